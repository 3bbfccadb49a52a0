/**
 * `coffer at <store> unlock [--remove-all]` — removes stale locks (not refreshed for 30
 * minutes, or held by a process of this host that is gone), all locks with --remove-all.
 */
import { describeLock, listLocks, STALE_AFTER_MS } from '../../engine/lock.js';
import { expectArgs, flag, parseArgs } from '../args.js';
import { lockOwnerGone } from '../lock-owner.js';
import { openRepo } from '../context.js';
import type { Verb } from '../verb.js';

export const unlock: Verb = {
  name: 'unlock',
  usage: 'coffer at <store> unlock [--remove-all]',
  needsStore: true,
  flags: { 'remove-all': 'bool' },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'unlock');
    expectArgs(p, 0, 0, this.usage);
    const repo = await openRepo(ctx);
    try {
      const all = flag(p, 'remove-all');
      for (const l of await listLocks(repo, Date.now())) {
        if (!all && l.ageMs <= STALE_AFTER_MS && !(l.info && lockOwnerGone(l.info))) {
          ctx.warn(`kept ${describeLock(l)} (not stale; --remove-all removes it)`);
          continue;
        }
        await repo.backend.remove('lock', l.name).catch(() => undefined);
        ctx.out(`removed ${describeLock(l)}`);
      }
      return 0;
    } finally {
      await repo.backend.close();
    }
  },
};
