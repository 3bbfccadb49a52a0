/** The restic-style retention flags (--keep-last N ... --keep-within D --keep-tag T) and their policy. */
import { int, list, str, type FlagSpec, type Parsed } from '@coffer/shared/cli-args.js';
import { parseDuration } from '@coffer/shared/duration.js';
import type { RetentionPolicy } from '@coffer/shared/gen/coffer/v1/common.js';

export const RETENTION_FLAGS: FlagSpec = {
  'keep-last': 'string',
  'keep-hourly': 'string',
  'keep-daily': 'string',
  'keep-weekly': 'string',
  'keep-monthly': 'string',
  'keep-yearly': 'string',
  'keep-within': 'string',
  'keep-tag': 'list',
};

/** The policy the flags give (all zero when none is set). */
export function retentionOf(p: Parsed): RetentionPolicy {
  const within = str(p, 'keep-within') ?? '';
  if (within !== '') parseDuration(within, '--keep-within');
  return {
    keepLast: int(p, 'keep-last') ?? 0,
    keepHourly: int(p, 'keep-hourly') ?? 0,
    keepDaily: int(p, 'keep-daily') ?? 0,
    keepWeekly: int(p, 'keep-weekly') ?? 0,
    keepMonthly: int(p, 'keep-monthly') ?? 0,
    keepYearly: int(p, 'keep-yearly') ?? 0,
    keepWithin: within,
    keepTags: list(p, 'keep-tag'),
  };
}
