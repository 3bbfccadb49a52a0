/**
 * Cron expressions, through croner: 5 fields (minute hour day-of-month month day-of-week) or
 * 6 (a seconds field first), evaluated in an IANA time zone. Day-of-month and day-of-week
 * combine with OR, as in Vixie cron. Across DST changes croner follows Vixie cron: a
 * fixed-time job (one value in each of seconds, minutes and hours, e.g. `30 2 * * *`) whose
 * time is skipped by a spring-forward runs right after the gap, and one whose time repeats at
 * a fall-back runs once, at the first occurrence; jobs with wildcards, steps, ranges or lists
 * in those fields run in real time (skipped times don't run, repeated times run twice).
 *
 * Compiled patterns are cached (bounded), so thousands of schedules don't re-parse on every
 * computation. Nothing here reads the clock.
 */
import { Cron } from 'croner';

/** Compiled patterns (and their gaps) kept at most; a cache is emptied when it fills. */
const CACHE_LIMIT = 10_000;
const cache = new Map<string, Cron>();
const gaps = new Map<string, number | undefined>();
/** Matches sampled by cronShortestGapMs: enough for the pattern of a day of hourly runs. */
const SAMPLE_RUNS = 48;
/** Where the sample starts: a fixed instant, so the result depends on the pattern only. */
const SAMPLE_FROM = new Date(Date.UTC(2024, 0, 1));

/**
 * The compiled pattern of `expr` in `timeZone` (UTC when empty). Throws croner's error when the
 * expression or the zone is invalid; {@link explainCronError} turns it into words.
 */
export function compileCron(expr: string, timeZone: string): Cron {
  const key = `${timeZone}\n${expr}`;
  let cron = cache.get(key);
  if (!cron) {
    cron = new Cron(expr, { mode: '5-or-6-parts', timezone: timeZone || 'UTC' });
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, cron);
  }
  return cron;
}

/** The first time `expr` matches strictly after `afterMs`; undefined when it never matches again. */
export function cronNext(expr: string, timeZone: string, afterMs: number): number | undefined {
  return compileCron(expr, timeZone).nextRun(new Date(afterMs))?.getTime();
}

/**
 * The shortest gap between consecutive matches among the first SAMPLE_RUNS after 2024-01-01
 * (Infinity for a single match; undefined when it never matches). A sample, to keep validation
 * quick: a gap that only a DST change or a rare date makes shorter may go unseen. Throws as
 * compileCron does.
 */
export function cronShortestGapMs(expr: string, timeZone: string): number | undefined {
  const key = `${timeZone}\n${expr}`;
  if (gaps.has(key)) return gaps.get(key);
  const runs = compileCron(expr, timeZone).nextRuns(SAMPLE_RUNS, SAMPLE_FROM).map((d) => d.getTime());
  let gap = runs.length === 0 ? undefined : Infinity;
  for (let i = 1; i < runs.length; i++) gap = Math.min(gap ?? Infinity, (runs[i] ?? 0) - (runs[i - 1] ?? 0));
  if (gaps.size >= CACHE_LIMIT) gaps.clear();
  gaps.set(key, gap);
  return gap;
}

interface FieldRange {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const FIELDS: readonly FieldRange[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
];

/**
 * Why `expr` (single-spaced) failed to compile, in a few words such as `minute 61 out of range
 * 0-59` or `4 fields`; falls back to croner's own message.
 */
export function explainCronError(expr: string, err: unknown): string {
  const parts = expr.split(' ').filter((p) => p !== '');
  if (parts.length !== 5 && parts.length !== 6) return `${parts.length} field${parts.length === 1 ? '' : 's'}`;
  const fields = parts.length === 5 ? FIELDS.slice(1) : FIELDS;
  for (const [i, part] of parts.entries()) {
    const field = fields[i];
    if (!field) break;
    for (const item of part.split(',')) {
      // `a-b/step`, `+MON`, `MON#2`, `15W`: only the numbers of the range itself are checked.
      const range = item.replace(/^\+/, '').split(/[/#]/)[0] ?? '';
      for (const v of range.split('-')) {
        if (/^\d+$/.test(v) && (Number(v) < field.min || Number(v) > field.max)) {
          return `${field.name} ${v} out of range ${field.min}-${field.max}`;
        }
      }
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^CronPattern:\s*/, '');
}
