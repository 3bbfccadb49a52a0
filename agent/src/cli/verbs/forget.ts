/**
 * `coffer at <store> forget [--apply] --keep-last N --keep-daily N … --keep-tag T --keep-within D
 * [--host H] [--source PATH|URL|@name] [--tag T] [--json]`
 * With --json: one `{"type":"decision","id","keep","reasons"}` line per snapshot considered,
 * then `{"type":"summary","applied","kept","forgotten","forgotten_ids"}` (forgotten: removed,
 * or that would be without --apply). The policy applies to each host and source on its own
 * (retention.ts); `--host`, `--source` and `--tag` limit it to the snapshots they select.
 */
import { formatEvent } from '@coffer/shared/events.js';
import { parseDuration } from '@coffer/shared/duration.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { applyPolicy, isEmptyPolicy, type RetentionPolicy } from '../../engine/retention.js';
import { expectArgs, flag, int, list, parseArgs, str } from '../args.js';
import { openRepo } from '../context.js';
import { localTime } from '../format.js';
import { FILTER_FLAGS, filterOf, matches } from '../snapshot-filter.js';
import { removeSnapshots } from './rm.js';
import type { Verb } from '../verb.js';

export const forget: Verb = {
  name: 'forget',
  usage:
    'coffer at <store> forget [--apply] [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--keep-yearly N] ' +
    '[--keep-tag T] [--keep-within D] [--host H] [--source PATH|URL|@name] [--tag T] [--json]',
  needsStore: true,
  flags: {
    apply: 'bool', 'keep-last': 'string', 'keep-hourly': 'string', 'keep-daily': 'string', 'keep-weekly': 'string',
    'keep-monthly': 'string', 'keep-yearly': 'string', 'keep-tag': 'list', 'keep-within': 'string', json: 'bool', ...FILTER_FLAGS,
  },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'forget');
    expectArgs(p, 0, 0, this.usage);
    const within = str(p, 'keep-within');
    const policy: RetentionPolicy = {
      last: int(p, 'keep-last'),
      hourly: int(p, 'keep-hourly'),
      daily: int(p, 'keep-daily'),
      weekly: int(p, 'keep-weekly'),
      monthly: int(p, 'keep-monthly'),
      yearly: int(p, 'keep-yearly'),
      tags: list(p, 'keep-tag', true),
      ...(within ? { withinMs: parseDuration(within, '--keep-within') } : {}),
    };
    if (isEmptyPolicy(policy)) {
      throw new CofferError(ErrorCode.Usage, 'forget needs at least one --keep-* rule (refusing to remove every snapshot)');
    }
    const filter = await filterOf(p, ctx.env, false);
    const json = flag(p, 'json');
    const apply = flag(p, 'apply');
    const repo = await openRepo(ctx);
    try {
      const snaps = (await repo.listSnapshots()).filter((s) => matches(s, filter));
      const decisions = applyPolicy(snaps, policy);
      for (const d of decisions) {
        const s = d.record.snapshot;
        if (json) ctx.out(formatEvent({ type: 'decision', id: d.record.id, keep: d.keep, reasons: d.reasons }));
        else if (d.keep) ctx.out(`keep   ${d.record.id.slice(0, 8)} ${localTime(s.time)} ${s.host}:${s.source.location} (${d.reasons.join(', ')})`);
      }
      const doomed = decisions.filter((d) => !d.keep).map((d) => d.record);
      await removeSnapshots(ctx, repo, doomed, apply, 'forget', json);
      if (json) {
        const forgotten_ids = doomed.map((r) => r.id);
        ctx.out(formatEvent({ type: 'summary', verb: 'forget', applied: apply, kept: decisions.length - doomed.length, forgotten: doomed.length, forgotten_ids }));
      }
      return 0;
    } finally {
      await repo.backend.close();
    }
  },
};
