/**
 * `coffer at <store> forget [--apply] --keep-last N --keep-daily N … --keep-tag T --keep-within D
 * [--tag T] [--source PATH|URL|@name] [--json]`
 * With --json: one `{"type":"decision","id","keep","reasons"}` line per snapshot considered,
 * then `{"type":"summary","applied","kept","forgotten","forgotten_ids"}` (forgotten: removed,
 * or that would be without --apply). `--source` limits the policy to one source's snapshots.
 */
import { formatEvent } from '@coffer/shared/events.js';
import { parseDuration } from '@coffer/shared/duration.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { openSource } from '../../connectors/registry.js';
import { applyPolicy, isEmptyPolicy, type RetentionPolicy } from '../../engine/retention.js';
import { expectArgs, flag, int, list, parseArgs, str } from '../args.js';
import { openRepo } from '../context.js';
import { localTime } from '../format.js';
import { lookup } from '../user-config.js';
import { removeSnapshots } from './rm.js';
import type { Verb } from '../verb.js';

/** The location a source records in its snapshots (opening a source connects nowhere). */
async function sourceLocation(ref: string, env: NodeJS.ProcessEnv): Promise<string> {
  const e = ref.startsWith('@') ? lookup('sources', ref, env) : { location: ref };
  const src = await openSource(e.location as string, e);
  try {
    return src.location;
  } finally {
    await src.close();
  }
}

export const forget: Verb = {
  name: 'forget',
  usage:
    'coffer at <store> forget [--apply] [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--keep-yearly N] ' +
    '[--keep-tag T] [--keep-within D] [--tag T] [--source PATH|URL|@name] [--json]',
  needsStore: true,
  flags: {
    apply: 'bool', 'keep-last': 'string', 'keep-hourly': 'string', 'keep-daily': 'string', 'keep-weekly': 'string',
    'keep-monthly': 'string', 'keep-yearly': 'string', 'keep-tag': 'list', 'keep-within': 'string', tag: 'list', source: 'string', json: 'bool',
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
    const only = list(p, 'tag', true);
    const sourceRef = str(p, 'source');
    const from = sourceRef === undefined ? undefined : await sourceLocation(sourceRef, ctx.env);
    const json = flag(p, 'json');
    const apply = flag(p, 'apply');
    const repo = await openRepo(ctx);
    try {
      const snaps = (await repo.listSnapshots()).filter(
        (s) => only.every((t) => s.snapshot.tags.includes(t)) && (from === undefined || s.snapshot.source.location === from),
      );
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
