/** `coffer at <store> check [--fast] [--read-data-subset N/M|P%] [--json] [<snapshot>…]` */
import { formatEvent } from '@coffer/shared/events.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { DataSubset } from '../../engine/checker.js';
import { runCheck, subsetOf } from '../../ops/check.js';
import { expectArgs, flag, parseArgs, str } from '../args.js';
import { openReader } from '../lock.js';
import { bytes } from '../format.js';
import { progressListener } from '../progress-bar.js';
import { FILTER_FLAGS, filterOf, resolveRef } from '../snapshot-filter.js';
import type { Verb } from '../verb.js';
import { PackPool } from '../../engine/pack-pool.js';
import { workerCount } from './backup.js';

/** Parses `N/M` or `P%`. */
export function parseSubset(s: string): DataSubset {
  const subset = subsetOf(s);
  if (!subset) throw new CofferError(ErrorCode.Usage, `invalid --read-data-subset '${s}': use N/M (e.g. 1/7) or a percentage (e.g. 10%)`);
  return subset;
}

export const checkVerb: Verb = {
  name: 'check',
  usage: 'coffer at <store> check [--fast] [--read-data-subset N/M|P%] [--json] [--host H] [--source S] [--tag T] [<snapshot>…]',
  needsStore: true,
  flags: { fast: 'bool', 'read-data-subset': 'string', json: 'bool', quiet: 'bool', ...FILTER_FLAGS },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'check');
    expectArgs(p, 0, 1000, this.usage);
    const subsetArg = str(p, 'read-data-subset');
    const data: DataSubset = flag(p, 'fast') ? { kind: 'none' } : subsetArg ? parseSubset(subsetArg) : { kind: 'all' };
    const json = flag(p, 'json');
    const mode = flag(p, 'fast') ? 'fast' : (subsetArg ?? 'full');
    // Not a session: the checker reads every index file itself, to report on each (a session would load the index first).
    const repo = await openReader(ctx, 'check');
    const progress = progressListener(json, ctx.quiet || flag(p, 'quiet'));
    const pool = data.kind === 'none' ? undefined : new PackPool(repo.keys.data, repo.keys.id, workerCount(ctx.env) || 1);
    try {
      const snapshots = [];
      const filter = await filterOf(p, ctx.env, true);
      for (const ref of p.args) snapshots.push(await resolveRef(repo, ref, filter));
      // An interrupted check reports nothing (reads cut short by the signal are not damage): runCheck throws Interrupted.
      const { result: r } = await runCheck({ repo }, { data, mode, snapshots, env: ctx.env, signal: ctx.signal, ...(pool ? { pool } : {}), ...(progress.listener ? { progress: progress.listener } : {}) });
      progress.done();
      const errors = r.issues.filter((i) => i.severity === 'error');
      for (const i of r.issues) {
        if (json) {
          const { severity, ...rest } = i;
          ctx.out(formatEvent({ type: severity, ...rest }));
        }
        else ctx.warn(`${i.severity}: ${i.message}`);
      }
      if (json) ctx.out(formatEvent({ type: 'summary', verb: 'check', ok: errors.length === 0, ...r, issues: r.issues.length }));
      else ctx.out(`checked ${r.snapshots} snapshots, ${r.files} files, read ${r.packsRead} packs (${bytes(r.bytesRead)}): ${errors.length ? `${errors.length} errors, ${r.damagedFiles} damaged files` : 'no errors'}`);
      if (errors.length) throw new CofferError(ErrorCode.CheckFailed, `check found ${errors.length} errors in ${repo.backend.location}`);
      return 0;
    } finally {
      progress.done();
      await pool?.close();
      await repo.backend.close();
    }
  },
};
