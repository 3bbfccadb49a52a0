/**
 * Verdicts on benchmark targets (issue 10, "Benchmark rules"): a measured value against
 * its limit is met or missed, and a miss says by how much ("0.86, miss by 0.06"). A run
 * whose numbers cannot be trusted (load average above {@link BUSY_LOAD} at the start, or
 * fewer than {@link MIN_REPS} reps) never calls a target met: such a verdict is
 * "withheld" and reads "0.74, machine busy, rerun"; misses are still shown as misses.
 * Pure: no I/O.
 */

/** A 1-minute load average above this at the start of a run makes it "machine busy". */
export const BUSY_LOAD = 1.5;
/** Fewer reps per tool than this cannot call a target met. */
export const MIN_REPS = 3;

/** What a verdict says. */
export type VerdictStatus = 'met' | 'miss' | 'withheld';

/** One value judged against its limit. */
export interface Verdict {
  /** The measured value: a coffer/restic ratio, or an absolute figure. */
  readonly value: number;
  readonly limit: number;
  /** True: the target is `value < limit`; false: `value <= limit`. */
  readonly strict: boolean;
  readonly status: VerdictStatus;
  /** How far over the limit a miss is (value − limit); 0 unless missed. */
  readonly by: number;
  /** Why a met value is not called met (status 'withheld'). */
  readonly reason: string | undefined;
}

/**
 * Why no target of a run may be called met, or undefined when they may: the machine was
 * busy at the start (1-minute load above {@link BUSY_LOAD}), or too few reps ran.
 */
export function withholdReason(load1AtStart: number, reps: number): string | undefined {
  if (!(load1AtStart <= BUSY_LOAD)) return 'machine busy, rerun';
  if (reps < MIN_REPS) return `quick run (${reps} rep${reps === 1 ? '' : 's'}), rerun`;
  return undefined;
}

/** Judges `value` against `limit` (`value <= limit`, or `<` when `strict`); `withheld` turns a met verdict into a withheld one. */
export function judge(value: number, limit: number, withheld: string | undefined, strict = false): Verdict {
  const ok = Number.isFinite(value) && (strict ? value < limit : value <= limit);
  if (!ok) return { value, limit, strict, status: 'miss', by: Number.isFinite(value) ? value - limit : Number.POSITIVE_INFINITY, reason: undefined };
  if (withheld !== undefined) return { value, limit, strict, status: 'withheld', by: 0, reason: withheld };
  return { value, limit, strict, status: 'met', by: 0, reason: undefined };
}

/** How values are shown: a ratio with two decimals by default. */
export type Format = (v: number) => string;

const ratioFormat: Format = (v) => (Number.isFinite(v) ? v.toFixed(2) : '-');

/**
 * The verdict as text: "0.74, met", "0.86, miss by 0.06" or "0.74, machine busy, rerun".
 * A miss too small to show at the format's precision reads "miss by <0.01".
 */
export function verdictText(v: Verdict, fmt: Format = ratioFormat): string {
  const shown = fmt(v.value);
  switch (v.status) {
    case 'met':
      return `${shown}, met`;
    case 'withheld':
      return `${shown}, ${v.reason ?? 'rerun'}`;
    case 'miss': {
      const by = fmt(v.by);
      const zero = fmt(0);
      return `${shown}, miss by ${by === zero || by === `-${zero}` ? `<${smallest(zero)}` : by}`;
    }
  }
}

/** "0.00" → "0.01", "0 MiB" → "1 MiB": one unit in the last digit of a formatted zero. */
function smallest(zero: string): string {
  return zero.replace(/0(?=\D*$)/, '1');
}

/** The limit as text: "<=0.8", "<1024 MiB". */
export function limitText(v: Pick<Verdict, 'limit' | 'strict'>, fmt: Format = (x) => String(x)): string {
  return `${v.strict ? '<' : '<='}${fmt(v.limit)}`;
}

/** Counts of a list of verdicts. */
export interface Tally {
  readonly met: number;
  readonly missed: number;
  readonly withheld: number;
  readonly total: number;
}

/** Counts `verdicts` by status, skipping undefined (unjudged) entries. */
export function tally(verdicts: readonly (Verdict | undefined)[]): Tally {
  let met = 0;
  let missed = 0;
  let withheld = 0;
  for (const v of verdicts) {
    if (v === undefined) continue;
    if (v.status === 'met') met++;
    else if (v.status === 'miss') missed++;
    else withheld++;
  }
  return { met, missed, withheld, total: met + missed + withheld };
}

/** "targets met 3/13, missed 10" or, when withheld, "none called met (machine busy, rerun): 4 within target, 9 missed". */
export function tallyText(t: Tally, reason: string | undefined): string {
  if (t.total === 0) return 'no targets judged';
  if (reason !== undefined) return `no target called met (${reason}): ${t.withheld} within target, ${t.missed} missed, of ${t.total}`;
  return `targets met ${t.met}/${t.total}, missed ${t.missed}`;
}
