/**
 * Storage backends by URL scheme. A plain path or `fs://` is local disk; other
 * schemes are registered by their connector modules.
 */
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { assertRole } from '@coffer/shared/location-schemes.js';
import type { StorageBackend } from './backend.js';
import { FsBackend } from './fs-backend.js';

/** Options from a named store's configuration (connection settings). */
export type BackendOptions = Readonly<Record<string, string>>;

/** Opens a backend for a location. */
export type BackendFactory = (url: URL, options: BackendOptions) => Promise<StorageBackend>;

const factories = new Map<string, BackendFactory>();

/** Registers the factory for a URL scheme (without the colon). */
export function registerBackend(scheme: string, f: BackendFactory): void {
  assertRole(scheme, 'store');
  factories.set(scheme, f);
}

/** Schemes with a registered backend, for `coffer version`. */
export function backendSchemes(): string[] {
  return ['fs', ...factories.keys()].sort();
}

/** Opens the storage at `location` (a path, fs:///path, or scheme://…). */
export async function openBackend(location: string, options: BackendOptions = {}): Promise<StorageBackend> {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  if (!m) return new FsBackend(path.resolve(location));
  const scheme = (m[1] as string).toLowerCase();
  if (scheme === 'fs') return new FsBackend(path.resolve(decodeURIComponent(location.slice('fs://'.length)) || '/'));
  const f = factories.get(scheme);
  if (!f) throw new CofferError(ErrorCode.Usage, `unsupported store location '${location}': known schemes are ${backendSchemes().join(', ')}`);
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new CofferError(ErrorCode.Usage, `malformed store location '${location}'`);
  }
  return f(url, options);
}
