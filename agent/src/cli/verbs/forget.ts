/** `coffer at <store> forget [--apply] --keep-last N --keep-daily N … --keep-tag T --keep-within D` */
import { parseDuration } from '@coffer/shared/duration.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { applyPolicy, isEmptyPolicy, type RetentionPolicy } from '../../engine/retention.js';
import { expectArgs, flag, int, list, parseArgs, str } from '../args.js';
import { openRepo } from '../context.js';
import { localTime } from '../format.js';
import { removeSnapshots } from './rm.js';
import type { Verb } from '../verb.js';

export const forget: Verb = {
  name: 'forget',
  usage: 'coffer at <store> forget [--apply] [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--keep-yearly N] [--keep-tag T] [--keep-within D]',
  needsStore: true,
  async run(ctx, argv) {
    const p = parseArgs(
      argv,
      {
        apply: 'bool', 'keep-last': 'string', 'keep-hourly': 'string', 'keep-daily': 'string', 'keep-weekly': 'string',
        'keep-monthly': 'string', 'keep-yearly': 'string', 'keep-tag': 'list', 'keep-within': 'string', tag: 'list', json: 'bool',
      },
      'forget',
    );
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
    const only = list(p, 'tag', true);
    const repo = await openRepo(ctx);
    try {
      const snaps = (await repo.listSnapshots()).filter((s) => only.every((t) => s.snapshot.tags.includes(t)));
      const decisions = applyPolicy(snaps, policy);
      for (const d of decisions) {
        const s = d.record.snapshot;
        if (flag(p, 'json')) ctx.out(JSON.stringify({ id: d.record.id, keep: d.keep, reasons: d.reasons }));
        else if (d.keep) ctx.out(`keep   ${d.record.id.slice(0, 8)} ${localTime(s.time)} ${s.host}:${s.source.location} (${d.reasons.join(', ')})`);
      }
      await removeSnapshots(ctx, repo, decisions.filter((d) => !d.keep).map((d) => d.record), flag(p, 'apply'), 'forget');
      return 0;
    } finally {
      await repo.backend.close();
    }
  },
};
