/**
 * Sources and destinations by URL scheme. A plain path or fs:// is local disk;
 * other schemes are registered by their connector modules.
 */
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { assertRole } from '@coffer/shared/location-schemes.js';
import type { Destination } from './destination.js';
import { FsDestination } from './fs-destination.js';
import { FsSource } from './fs-source.js';
import { MultiFsSource } from './multi-source.js';
import type { Source } from './source.js';

/** Connection options of a named source or destination. */
export type ConnectorOptions = Readonly<Record<string, string>>;

type Factory<T> = (url: URL, options: ConnectorOptions) => Promise<T>;

const sources = new Map<string, Factory<Source>>();
const destinations = new Map<string, Factory<Destination>>();

/** Registers a source (importer) for a scheme the shared table gives that role. */
export function registerSource(scheme: string, f: Factory<Source>): void {
  assertRole(scheme, 'source');
  sources.set(scheme, f);
}

/** Registers a destination (exporter) for a scheme the shared table gives that role. */
export function registerDestination(scheme: string, f: Factory<Destination>): void {
  assertRole(scheme, 'destination');
  destinations.set(scheme, f);
}

/** Schemes of sources and destinations, for `coffer version`. */
export function connectorSchemes(): { importers: string[]; exporters: string[] } {
  return { importers: ['fs', ...sources.keys()].sort(), exporters: ['fs', ...destinations.keys()].sort() };
}

function parse(location: string): { scheme: string; url?: URL; localPath?: string } {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  if (!m) return { scheme: 'fs', localPath: path.resolve(location) };
  const scheme = (m[1] as string).toLowerCase();
  if (scheme === 'fs') return { scheme, localPath: path.resolve(decodeURIComponent(location.slice(5)) || '/') };
  try {
    return { scheme, url: new URL(location) };
  } catch {
    throw new CofferError(ErrorCode.Usage, `malformed location '${location}'`);
  }
}

/** Opens a source. */
export async function openSource(location: string, options: ConnectorOptions = {}): Promise<Source> {
  const p = parse(location);
  if (p.localPath !== undefined) return new FsSource(p.localPath);
  const f = sources.get(p.scheme);
  if (!f || !p.url) throw new CofferError(ErrorCode.Usage, `cannot back up from '${location}': known schemes are ${connectorSchemes().importers.join(', ')}`);
  return f(p.url, options);
}

/** Opens several local paths as one source (multi-source.ts); refuses remote locations. */
export function openLocalSources(locations: readonly string[]): Source {
  const paths = locations.map((l) => {
    const p = parse(l);
    if (p.localPath === undefined) throw new CofferError(ErrorCode.Usage, `cannot back up '${l}' with other paths: several paths in one backup must all be local folders (back it up on its own)`);
    return p.localPath;
  });
  return new MultiFsSource(paths);
}

/** Opens a destination. */
export async function openDestination(location: string, options: ConnectorOptions = {}): Promise<Destination> {
  const p = parse(location);
  if (p.localPath !== undefined) return new FsDestination(p.localPath);
  const f = destinations.get(p.scheme);
  if (!f || !p.url) throw new CofferError(ErrorCode.Usage, `cannot restore to '${location}': known schemes are ${connectorSchemes().exporters.join(', ')}`);
  return f(p.url, options);
}
