/**
 * Which snapshots a command means: `--host`, `--source` and `--tag` filters, and what
 * `latest` is. Guarantees: `latest` is the newest snapshot of one host (this machine's
 * host name unless `--host` says another; `--host '*'` for any) that passes the source
 * and tag filters, so in a store shared by many machines `latest` never picks another
 * machine's snapshot by default; a full id or an id prefix names its snapshot whatever
 * the filters. When no snapshot matches, the error lists the hosts and sources there are.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { openSource } from '../connectors/registry.js';
import { hostName, type Repository } from '../engine/repository.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import { list, type Parsed, str } from './args.js';
import { lookup } from './user-config.js';

/** The filter flags, for a verb's flag table. */
export const FILTER_FLAGS = { host: 'string', source: 'string', tag: 'list' } as const;

/** A selection of snapshots; undefined host or source: any. */
export interface SnapshotFilter {
  readonly host: string | undefined;
  readonly source: string | undefined;
  readonly tags: readonly string[];
}

/** The location a source records in its snapshots (opening a source connects nowhere). */
export async function sourceLocation(ref: string, env: NodeJS.ProcessEnv): Promise<string> {
  const e = ref.startsWith('@') ? lookup('sources', ref, env) : { location: ref };
  const src = await openSource(e.location as string, e);
  try {
    return src.location;
  } finally {
    await src.close();
  }
}

/**
 * The filter the flags give. `defaultHost`: with no `--host`, this machine's host name
 * (for `latest`); otherwise any host. `--host '*'` and `--source '*'` mean any.
 */
export async function filterOf(p: Parsed, env: NodeJS.ProcessEnv, defaultHost: boolean): Promise<SnapshotFilter> {
  const h = str(p, 'host');
  const s = str(p, 'source');
  return {
    host: h === '*' ? undefined : (h ?? (defaultHost ? hostName() : undefined)),
    source: s === undefined || s === '*' ? undefined : await sourceLocation(s, env),
    tags: list(p, 'tag', true),
  };
}

/** Whether a snapshot passes the filter. */
export function matches(r: SnapshotRecord, f: SnapshotFilter): boolean {
  const s = r.snapshot;
  return (f.host === undefined || s.host === f.host) && (f.source === undefined || s.source.location === f.source) && f.tags.every((t) => s.tags.includes(t));
}

/** "host H, source S, tag T" for messages. */
export function describeFilter(f: SnapshotFilter): string {
  const parts = [f.host !== undefined ? `host ${f.host}` : 'any host', ...(f.source !== undefined ? [`source ${f.source}`] : []), ...f.tags.map((t) => `tag ${t}`)];
  return parts.join(', ');
}

function noneMatch(repo: Repository, all: readonly SnapshotRecord[], f: SnapshotFilter): CofferError {
  if (all.length === 0) return new CofferError(ErrorCode.NotFound, `the store ${repo.backend.location} has no snapshots yet`);
  const groups = [...new Set(all.map((r) => `${r.snapshot.host}:${r.snapshot.source.location}`))];
  const shown = groups.slice(0, 5).join(', ') + (groups.length > 5 ? `, … (${groups.length - 5} more)` : '');
  return new CofferError(
    ErrorCode.NotFound,
    `no snapshot of ${describeFilter(f)} in ${repo.backend.location} (it has snapshots of ${shown}): choose with --host and --source (--host '*' for any host), or give a snapshot id`,
  );
}

/** The newest snapshot passing `f` among `all` (oldest first), or the error naming what there is. */
export function latestOf(repo: Repository, all: readonly SnapshotRecord[], f: SnapshotFilter): SnapshotRecord {
  for (let i = all.length - 1; i >= 0; i--) if (matches(all[i] as SnapshotRecord, f)) return all[i] as SnapshotRecord;
  throw noneMatch(repo, all, f);
}

/** Resolves a snapshot reference: `latest` under the filter, an id or prefix as it is. */
export async function resolveRef(repo: Repository, ref: string, f: SnapshotFilter): Promise<SnapshotRecord> {
  if (ref !== 'latest') return repo.resolveSnapshot(ref);
  return latestOf(repo, await repo.listSnapshots(), f);
}
