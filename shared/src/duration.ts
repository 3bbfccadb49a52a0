/**
 * Parsing of human durations such as `90s`, `15m`, `36h`, `7d`, `2w`, `1y`, or
 * combinations like `1d12h`. Used by the CLI (`rm --older`, `forget --keep-within`,
 * `maintenance --grace`) and by the controller.
 */
import { CofferError, ErrorCode } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** Parses a duration into milliseconds; throws a usage error naming `what` when malformed. */
export function parseDuration(text: string, what = 'duration'): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let pos = 0;
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  while (pos < trimmed.length) {
    re.lastIndex = pos;
    const m = re.exec(trimmed);
    if (!m) break;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
    pos = re.lastIndex;
  }
  if (trimmed.length === 0 || pos !== trimmed.length) {
    throw new CofferError(
      ErrorCode.Usage,
      `invalid ${what} '${text}': use a number and a unit, e.g. 30m, 12h, 7d, 2w, 1y (or 1d12h)`,
    );
  }
  return total;
}
