/**
 * validateSchedule: the one place a schedule from the API is checked and normalized before the
 * catalog stores it or the scheduler arms it. Every problem is reported, joined by '; ', each
 * naming the field as the proto spells it and the fix; the API maps the CofferError (Usage)
 * to gRPC INVALID_ARGUMENT.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { parseDuration } from '@coffer/shared/duration.js';
import { JobKind, type RetentionPolicy } from '@coffer/shared/gen/coffer/v1/common.js';
import { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import { CATALOG_NAME } from '../names.js';
import { checkTiming } from './validate-timing.js';

/** The missed-run policies; the first is the default. */
export const MISSED_POLICIES = ['run-once', 'skip'] as const;
/** A missed-run policy. */
export type MissedPolicy = (typeof MISSED_POLICIES)[number];

const SUBSET = /^(\d+(?:\.\d+)?)%$/;
const KIND_NAMES: Partial<Record<JobKind, string>> = {
  [JobKind.JOB_KIND_BACKUP]: 'backup',
  [JobKind.JOB_KIND_VERIFY]: 'verify',
  [JobKind.JOB_KIND_FORGET]: 'forget',
};

/**
 * Returns a normalized copy of `input` (trimmed names, single-spaced cron, canonical time
 * zone, 'UTC' for a cron schedule's empty zone, missed defaulting to 'run-once'), or throws a
 * CofferError (ErrorCode.Usage) listing every problem. next_run_ms, last_run_ms and
 * last_job_id pass through untouched: they belong to the scheduler and the catalog.
 */
export function validateSchedule(input: Partial<Schedule> | undefined): Schedule {
  if (!input) throw new CofferError(ErrorCode.Usage, 'schedule: missing; give at least name, kind, store and cron or every_seconds');
  const s = Schedule.fromPartial(input);
  const problems: string[] = [];
  s.name = s.name.trim();
  s.source = s.source.trim();
  s.store = s.store.trim();
  if (!CATALOG_NAME.test(s.name)) {
    problems.push(
      s.name === ''
        ? "name: required, e.g. 'nightly-home'"
        : `name: '${s.name}' may hold only letters, digits, '.', '_' and '-' (at most 64), e.g. 'nightly-home'`,
    );
  }
  checkJob(s, problems);
  checkTiming(s, problems);
  const missed = s.missed.trim().toLowerCase() || MISSED_POLICIES[0];
  if ((MISSED_POLICIES as readonly string[]).includes(missed)) s.missed = missed;
  else problems.push(`missed: '${s.missed}' is not a missed-run policy; use 'run-once' (the default) or 'skip'`);
  if (problems.length > 0) throw new CofferError(ErrorCode.Usage, problems.join('; '));
  return s;
}

/** Kind and the fields each kind needs or forbids. */
function checkJob(s: Schedule, problems: string[]): void {
  const kind = KIND_NAMES[s.kind];
  if (kind === undefined) {
    problems.push('kind: a schedule runs backup, verify or forget jobs; set one of them');
    return;
  }
  if (kind === 'backup' && s.source === '') problems.push("source: a backup schedule needs a source (a source's name in the catalog)");
  // A forget's source is optional: it limits the forget to that source's snapshots.
  if (kind === 'verify' && s.source !== '') problems.push(`source: a verify schedule checks a whole store; remove source '${s.source}'`);
  if (s.store === '') problems.push(`store: a ${kind} schedule needs a store (a store's name in the catalog)`);
  s.readDataSubset = s.readDataSubset.trim();
  if (s.readDataSubset !== '') {
    const p = Number(SUBSET.exec(s.readDataSubset)?.[1] ?? NaN);
    if (kind !== 'verify') problems.push(`read_data_subset: only verify schedules read a subset of the data; remove it`);
    else if (!(p > 0 && p <= 100)) {
      problems.push(`read_data_subset: '${s.readDataSubset}' is not a share of the data; use 'P%' with 0 < P <= 100, e.g. '10%'`);
    }
  }
  checkRetention(s, kind, problems);
}

/** True when a retention policy has at least one keep rule (a policy without rules counts as none). */
export function hasRetentionRule(r: RetentionPolicy | undefined): r is RetentionPolicy {
  return (
    r !== undefined &&
    (r.keepLast > 0 || r.keepHourly > 0 || r.keepDaily > 0 || r.keepWeekly > 0 || r.keepMonthly > 0 || r.keepYearly > 0 ||
      r.keepWithin !== '' || r.keepTags.length > 0)
  );
}

/** Forget schedules need a retention policy; backups may have one (a forget follows); verify has none. */
function checkRetention(s: Schedule, kind: string, problems: string[]): void {
  const r = s.retention;
  const hasRule = hasRetentionRule(r);
  if (kind === 'forget' && !hasRule) {
    problems.push('retention: a forget schedule needs at least one keep rule (keep_last, keep_daily, …, keep_within or keep_tags)');
  }
  if (kind === 'verify' && hasRule) problems.push('retention: a verify schedule keeps no snapshots; remove it');
  if (r !== undefined && r.keepWithin !== '') {
    try {
      parseDuration(r.keepWithin, 'retention.keep_within');
    } catch {
      problems.push(`retention.keep_within: '${r.keepWithin}' is not a duration; use e.g. 30d, 12h, 2w or 1y`);
    }
  }
}
