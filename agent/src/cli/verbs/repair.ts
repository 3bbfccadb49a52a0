/**
 * `coffer at <store> repair index` — rebuilds the index from the packs' headers.
 * `coffer at <store> repair packs` — copies the intact blobs of damaged packs into new
 * packs, then drops the damaged packs (from the index, then from the store).
 * `coffer at <store> repair snapshots [--apply] [--json]` — rewrites snapshots without
 * their lost data (tag `repaired`), removes unreadable snapshot files; a dry run
 * unless --apply. All run under an exclusive lock.
 */
import { formatEvent } from '@coffer/shared/events.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { EncodePool } from '../../engine/encode-pool.js';
import { repairIndex } from '../../engine/repair-index.js';
import { repairPacks } from '../../engine/repair-packs.js';
import { repairSnapshots } from '../../engine/repair-snapshots.js';
import { RepoWriter } from '../../engine/repo-writer.js';
import type { Repository } from '../../engine/repository.js';
import { expectArgs, flag, parseArgs } from '../args.js';
import { openRepo, type Context } from '../context.js';
import { lockStore } from '../lock.js';
import type { Verb } from '../verb.js';

async function locked<T>(ctx: Context, repo: Repository, operation: string, fn: () => Promise<T>): Promise<T> {
  const lock = await lockStore(ctx, repo, operation, true);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

async function index(ctx: Context, repo: Repository, json: boolean): Promise<number> {
  const r = await locked(ctx, repo, 'repair index', () => repairIndex(repo, (l) => ctx.warn(`warning: ${l}`)));
  if (json) ctx.out(formatEvent({ type: 'summary', verb: 'repair-index', ...r }));
  else ctx.out(`repair index: ${r.packs} packs indexed in ${r.indexFile.slice(0, 12)}, ${r.removed} old index files removed (${r.damagedIndexFiles.length} damaged), ${r.unreadable.length} unreadable packs left out`);
  return 0;
}

async function packs(ctx: Context, repo: Repository, json: boolean): Promise<number> {
  const r = await locked(ctx, repo, 'repair packs', async () => {
    await repo.loadIndex();
    const pool = new EncodePool(repo.codec, repo.keys.data, 0);
    try {
      return await repairPacks(repo, new RepoWriter(repo, { pool }), (l) => ctx.warn(`warning: ${l}`));
    } finally {
      await pool.close();
    }
  });
  if (json) ctx.out(formatEvent({ type: 'summary', verb: 'repair-packs', ...r }));
  else ctx.out(`repair packs: ${r.damaged.length} damaged packs replaced, ${r.salvaged} blobs salvaged, ${r.lost} lost${r.lost ? "; run 'repair snapshots --apply' to remove what needs them" : ''}`);
  return 0;
}

async function snapshots(ctx: Context, repo: Repository, apply: boolean, json: boolean): Promise<number> {
  const run = async (): Promise<Awaited<ReturnType<typeof repairSnapshots>>> => {
    await repo.loadIndex();
    if (!apply) return repairSnapshots(repo, undefined, new Date());
    const pool = new EncodePool(repo.codec, repo.keys.data, 0);
    try {
      return await repairSnapshots(repo, new RepoWriter(repo, { pool }), new Date());
    } finally {
      await pool.close();
    }
  };
  const results = apply ? await locked(ctx, repo, 'repair snapshots', run) : await run();
  const verb = (a: string): string => (apply ? a : `would be ${a}`);
  for (const r of results) {
    if (json) {
      ctx.out(formatEvent({ type: 'snapshot', applied: apply, ...r }));
      continue;
    }
    const what = r.action === 'rewritten' ? `${verb('rewritten')}${r.newId ? ` as ${r.newId.slice(0, 8)}` : ''}` : verb('removed');
    ctx.out(`snapshot ${r.id.slice(0, 8)} ${what}${r.reason ? ` (${r.reason})` : ''}${r.lost.length ? `: ${r.lost.length} paths lost` : ''}`);
    for (const l of r.lost.slice(0, 50)) ctx.out(`  lost /${l}`);
    if (r.lost.length > 50) ctx.out(`  … and ${r.lost.length - 50} more`);
  }
  if (json) ctx.out(formatEvent({ type: 'summary', verb: 'repair-snapshots', applied: apply, snapshots: results.length }));
  else if (results.length === 0) ctx.out('repair snapshots: every snapshot is readable, nothing to do');
  else if (!apply) ctx.warn('dry run: nothing changed; add --apply to repair');
  else ctx.warn(`repaired ${results.length} snapshots; run 'maintenance' to free the data no snapshot uses any more`);
  return 0;
}

export const repair: Verb = {
  name: 'repair',
  usage: 'coffer at <store> repair index | repair packs | repair snapshots [--apply] [--json]',
  needsStore: true,
  flags: { apply: 'bool', json: 'bool' },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'repair');
    expectArgs(p, 1, 1, this.usage);
    const what = p.args[0];
    if (what !== 'index' && what !== 'packs' && what !== 'snapshots') {
      throw new CofferError(ErrorCode.Usage, `usage: ${this.usage} ('repair ${what ?? ''}' is not offered)`);
    }
    const repo = await openRepo(ctx);
    try {
      if (what === 'index') return await index(ctx, repo, flag(p, 'json'));
      if (what === 'packs') return await packs(ctx, repo, flag(p, 'json'));
      return await snapshots(ctx, repo, flag(p, 'apply'), flag(p, 'json'));
    } finally {
      await repo.backend.close();
    }
  },
};
