/**
 * Reading what a `coffer … --json` process prints. On stdout: the events of
 * @coffer/shared/events.js (`status` lines, check's issues, forget's decisions, the
 * `summary`, the failure line), parsed there; any other line is `other` (text). On
 * stderr: human lines, classified as info, warn or error by their prefix. Pure.
 */
import { type FailureEvent, isFailure, parseEvent, type StatusEvent, type SummaryEvent } from '@coffer/shared/events.js';
import type { Progress } from '@coffer/shared/gen/coffer/v1/common.js';

/** The failure a coffer process reported (`code` is an ErrorCode value: `retryable`, `locked`, …). */
export type CliFailure = Pick<FailureEvent, 'code' | 'exit' | 'message'>;

/** One stdout line, understood. */
export type CliEvent =
  | { readonly type: 'status'; readonly status: StatusEvent }
  | { readonly type: 'summary'; readonly summary: SummaryEvent }
  | { readonly type: 'failure'; readonly failure: CliFailure }
  | { readonly type: 'issue'; readonly level: 'warn' | 'error'; readonly message: string }
  | { readonly type: 'other'; readonly line: string };

function num(v: number | undefined): number {
  return v !== undefined && v >= 0 ? v : 0;
}

/** Understands one line of a coffer process's stdout. */
export function parseStdoutLine(line: string): CliEvent {
  const e = parseEvent(line);
  if (e === undefined) return { type: 'other', line };
  if (isFailure(e)) return { type: 'failure', failure: { code: e.code, exit: e.exit, message: e.message } };
  switch (e.type) {
    case 'status':
      return { type: 'status', status: e };
    case 'summary':
      return { type: 'summary', summary: e };
    case 'error':
    case 'warning':
      return { type: 'issue', level: e.type === 'error' ? 'error' : 'warn', message: e.message };
    default:
      return { type: 'other', line };
  }
}

/** The level of a stderr line: `warning:`/`skipped`/`not restored` warn, `coffer:`/`error:` error, else info. */
export function stderrLevel(line: string): 'info' | 'warn' | 'error' {
  if (/^(warning:|skipped |… and \d+ more skipped|dry run:|not restored |\d+ files could not be restored)/.test(line)) return 'warn';
  if (/^(coffer:|error:)/.test(line)) return 'error';
  return 'info';
}

/**
 * Turns status lines into Progress, with bytes_per_second measured on the agent's
 * clock between successive lines of a phase (smoothed), or over the phase so far for
 * its first line.
 */
export class ProgressMeter {
  private phase = '';
  private lastMs = 0;
  private lastBytes = 0;
  private rate = 0;

  /** Converts one status line received at `nowMs`. */
  next(s: StatusEvent, nowMs: number): Progress {
    const phase = s.phase;
    const bytes = num(s.bytes);
    if (phase !== this.phase || bytes < this.lastBytes) {
      const secs = num(s.seconds_elapsed);
      this.rate = secs > 0 ? bytes / secs : 0;
    } else if (nowMs > this.lastMs) {
      const now = ((bytes - this.lastBytes) * 1000) / (nowMs - this.lastMs);
      this.rate = this.rate > 0 ? 0.5 * this.rate + 0.5 * now : now;
    }
    this.phase = phase;
    this.lastMs = nowMs;
    this.lastBytes = bytes;
    return {
      phase,
      // A check counts packs (progress-bar.ts): its `packs` fields fill the counts, with the unit.
      files: num(s.packs ?? s.files),
      totalFiles: num(s.total_packs ?? s.total_files),
      bytes,
      totalBytes: num(s.total_bytes),
      bytesPerSecond: Math.round(this.rate),
      errors: num(s.errors),
      unit: s.packs !== undefined ? 'packs' : '',
    };
  }
}
