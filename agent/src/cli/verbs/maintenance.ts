/** `coffer at <store> maintenance [--grace DURATION]` — frees data no snapshot references. */
import { formatEvent } from '@coffer/shared/events.js';
import { parseDuration } from '@coffer/shared/duration.js';
import { EncodePool } from '../../engine/encode-pool.js';
import { lockStore } from '../lock.js';
import { maintain } from '../../engine/maintenance.js';
import { RepoWriter } from '../../engine/repo-writer.js';
import { expectArgs, flag, parseArgs, str } from '../args.js';
import { openRepo } from '../context.js';
import { bytes } from '../format.js';
import type { Verb } from '../verb.js';

/** Default grace period: unused data is kept this long after maintenance first finds it unused. */
export const DEFAULT_GRACE = '24h';

export const maintenance: Verb = {
  name: 'maintenance',
  usage: `coffer at <store> maintenance [--grace DURATION (default ${DEFAULT_GRACE})] [--json]`,
  needsStore: true,
  flags: { grace: 'string', json: 'bool' },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'maintenance');
    expectArgs(p, 0, 0, this.usage);
    const graceMs = parseDuration(str(p, 'grace') ?? ctx.env.COFFER_GRACE ?? DEFAULT_GRACE, '--grace');
    const repo = await openRepo(ctx);
    const lock = await lockStore(ctx, repo, 'maintenance', true);
    const pool = new EncodePool(repo.codec, repo.keys.data, 0);
    try {
      const writer = new RepoWriter(repo, { pool });
      const r = await maintain(repo, writer, { graceMs, nowMs: Date.now() });
      if (flag(p, 'json')) ctx.out(formatEvent({ type: 'summary', verb: 'maintenance', ...r }));
      else {
        if (r.diskFull) ctx.warn(`warning: the store's disk is full: unused data was deleted first and nothing repacked; run maintenance again to repack`);
        ctx.out(`maintenance: ${r.packsDeleted} packs deleted (${bytes(r.bytesFreed)} freed), ${r.packsRepacked} repacked, ${r.condemned} unused packs waiting for the grace period, ${r.indexFilesReplaced} index files consolidated`);
      }
      return 0;
    } finally {
      await pool.close();
      await lock.release();
      await repo.backend.close();
    }
  },
};
