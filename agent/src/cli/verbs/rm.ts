/** `coffer at <store> rm [--apply] (<snapshot>… | --older DURATION | --tag T)` — a dry run unless --apply; `latest` is this host's newest. */
import { parseDuration } from '@coffer/shared/duration.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { lockStore } from '../lock.js';
import { hostName, type Repository } from '../../engine/repository.js';
import type { SnapshotRecord } from '../../engine/snapshot.js';
import { flag, list, parseArgs, str } from '../args.js';
import { openRepo, type Context } from '../context.js';
import { localTime } from '../format.js';
import { latestOf } from '../snapshot-filter.js';
import type { Verb } from '../verb.js';

async function latestOfHost(repo: Repository): Promise<{ id: string; record?: SnapshotRecord }> {
  const r = latestOf(repo, await repo.listSnapshots(), { host: hostName(), source: undefined, tags: [] });
  return { id: r.id, record: r };
}

/**
 * Removes snapshot files under an exclusive lock (or only lists them without `apply`).
 * With `json`, the caller reports the snapshots itself: nothing is printed on stdout.
 */
export async function removeSnapshots(
  ctx: Context,
  repo: Repository,
  doomed: readonly SnapshotRecord[],
  apply: boolean,
  operation: string,
  json = false,
  damaged: readonly string[] = [],
): Promise<void> {
  if (!json) for (const s of doomed) ctx.out(`${apply ? 'removing' : 'would remove'} ${s.id.slice(0, 8)} ${localTime(s.snapshot.time)} ${s.snapshot.host}:${s.snapshot.source.location}`);
  for (const id of damaged) ctx.out(`${apply ? 'removing' : 'would remove'} damaged snapshot file ${id.slice(0, 12)}`);
  const all = [...doomed.map((s) => s.id), ...damaged];
  if (!apply) {
    if (all.length) ctx.warn('dry run: nothing removed; add --apply to remove');
    return;
  }
  const lock = await lockStore(ctx, repo, operation, true);
  try {
    for (const id of all) await repo.backend.remove('snapshot', id);
  } finally {
    await lock.release();
  }
  if (all.length) ctx.warn(`removed ${all.length} snapshots; run 'maintenance' to free their data`);
}

export const rm: Verb = {
  name: 'rm',
  usage: 'coffer at <store> rm [--apply] (<snapshot>… | --older DURATION | --tag T)',
  needsStore: true,
  flags: { apply: 'bool', older: 'string', before: 'string', tag: 'list' },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'rm');
    const older = str(p, 'older') ?? str(p, 'before');
    const tags = list(p, 'tag', true);
    if (p.args.length === 0 && older === undefined && tags.length === 0) {
      throw new CofferError(ErrorCode.Usage, `usage: ${this.usage} (refusing to run without a selection)`);
    }
    const olderMs = older !== undefined ? parseDuration(older, '--older') : undefined;
    const repo = await openRepo(ctx);
    try {
      const all = await repo.listSnapshots();
      const picked = new Map<string, SnapshotRecord>();
      const damaged = new Set<string>();
      for (const ref of p.args) {
        // A damaged snapshot file is found (and removed) by its name; `latest` is this host's newest.
        const s = ref === 'latest' ? await latestOfHost(repo) : await repo.findSnapshot(ref);
        if (s.record) picked.set(s.id, s.record);
        else damaged.add(s.id);
      }
      const now = Date.now();
      const filtered = all.filter(
        (s) =>
          (olderMs === undefined || now - Date.parse(s.snapshot.time) > olderMs) &&
          tags.every((t) => s.snapshot.tags.includes(t)) &&
          (p.args.length === 0 || picked.has(s.id)),
      );
      await removeSnapshots(ctx, repo, filtered, flag(p, 'apply'), 'rm', false, [...damaged]);
      return 0;
    } finally {
      await repo.backend.close();
    }
  },
};
