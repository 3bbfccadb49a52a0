/**
 * A job's log: lines with a time and a level (info, warn, error) handed to the
 * caller's onLog, with every known secret (the store passphrase) replaced by `***`,
 * at most `maxLines` of them (then one line saying how many more were dropped, at the
 * end). A throwing onLog never disturbs the job.
 */
import type { Clock } from '@coffer/shared/clock.js';
import type { LogLine } from '@coffer/shared/gen/coffer/v1/common.js';

/** Log levels of LogLine. */
export type LogLevel = 'info' | 'warn' | 'error';

/** Secrets shorter than this are not masked: replacing every "ab" would garble the log. */
const MIN_SECRET_LENGTH = 4;

/** The log of one job. */
export class JobLog {
  private readonly secrets: string[] = [];
  private lines = 0;
  private dropped = 0;

  constructor(
    private readonly onLog: ((line: LogLine) => void) | undefined,
    private readonly clock: Clock,
    private readonly maxLines: number,
  ) {}

  /** Masks `secret` in every later line and in {@link redact}. */
  addSecret(secret: string): void {
    if (secret.length >= MIN_SECRET_LENGTH) this.secrets.push(secret);
  }

  /** `text` with the secrets masked. */
  redact(text: string): string {
    let t = text;
    for (const s of this.secrets) t = t.split(s).join('***');
    return t;
  }

  /** Logs one line. */
  line(level: LogLevel, text: string): void {
    if (this.lines >= this.maxLines) {
      this.dropped++;
      return;
    }
    this.lines++;
    this.emit(level, text);
  }

  /** Ends the log: reports dropped lines. */
  close(): void {
    if (this.dropped > 0) this.emit('warn', `${this.dropped} more log lines were dropped (limit ${this.maxLines})`);
    this.dropped = 0;
  }

  private emit(level: LogLevel, text: string): void {
    try {
      this.onLog?.({ timeMs: this.clock.now(), level, text: this.redact(text) });
    } catch {
      // the caller's problem; the job goes on
    }
  }
}
