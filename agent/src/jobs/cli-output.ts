/**
 * Reading what a `coffer … --json` process prints. On stdout: `status` lines
 * (progress), the `summary` line, check's issue lines (`{"type":"error"|"warning",
 * "message"}`), the failure line (`{"type":"error","code","exit","message"}`, told apart
 * from issues by its `exit` field), and other lines (forget's decisions, text). On
 * stderr: human lines, classified as info, warn or error by their prefix. Pure.
 */
import type { Progress } from '@coffer/shared/gen/coffer/v1/common.js';

/** The failure a coffer process reported. */
export interface CliFailure {
  /** An ErrorCode value (`retryable`, `locked`, `wrong-passphrase`, …). */
  readonly code: string;
  readonly exit: number;
  readonly message: string;
}

/** One stdout line, understood. */
export type CliEvent =
  | { readonly type: 'status'; readonly status: Readonly<Record<string, unknown>> }
  | { readonly type: 'summary'; readonly summary: Readonly<Record<string, unknown>> }
  | { readonly type: 'failure'; readonly failure: CliFailure }
  | { readonly type: 'issue'; readonly level: 'warn' | 'error'; readonly message: string }
  | { readonly type: 'other'; readonly line: string };

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

/** Understands one line of a coffer process's stdout. */
export function parseStdoutLine(line: string): CliEvent {
  let v: unknown;
  try {
    v = JSON.parse(line) as unknown;
  } catch {
    return { type: 'other', line };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { type: 'other', line };
  const o = v as Record<string, unknown>;
  const message = typeof o.message === 'string' ? o.message : '';
  switch (o.type) {
    case 'status':
      return { type: 'status', status: o };
    case 'summary':
      return { type: 'summary', summary: o };
    case 'error':
      if (typeof o.exit === 'number') return { type: 'failure', failure: { code: typeof o.code === 'string' ? o.code : 'internal', exit: o.exit, message } };
      return { type: 'issue', level: 'error', message };
    case 'warning':
      return { type: 'issue', level: 'warn', message };
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
  next(s: Readonly<Record<string, unknown>>, nowMs: number): Progress {
    const phase = typeof s.phase === 'string' ? s.phase : '';
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
      files: num(s.files),
      totalFiles: num(s.total_files),
      bytes,
      totalBytes: num(s.total_bytes),
      bytesPerSecond: Math.round(this.rate),
      errors: num(s.errors),
    };
  }
}
