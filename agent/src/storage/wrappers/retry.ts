/**
 * Retries storage operations that failed for a passing reason (CofferError
 * Retryable: a dropped connection, a refused connection while a server restarts,
 * a timeout), with exponential backoff, after asking the backend to drop its
 * connection. Every operation of the StorageBackend contract is safe to repeat:
 * saves write a fresh temporary file and skip names that exist, reads and listings
 * have no effect, and a remove that finds the file gone on a repeat has done its job.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { FileInfo, FileKind, Range, StorageBackend } from '../backend.js';

/** A backend that can drop its connection so the next call reconnects. */
export interface Resettable {
  reset(): void;
}

/** Retry policy. */
export interface RetryOptions {
  /** Attempts in all. @default 8 */
  readonly attempts?: number;
  /** First delay; doubled each time up to `maxDelayMs`. @default 250 */
  readonly baseDelayMs?: number;
  /** @default 8000 */
  readonly maxDelayMs?: number;
  /** Told about each retry (for a warning line). */
  readonly onRetry?: (what: string, attempt: number, err: CofferError) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Wraps `inner` with retries. */
export class RetryingBackend implements StorageBackend {
  readonly location: string;

  constructor(
    private readonly inner: StorageBackend & Partial<Resettable>,
    private readonly opts: RetryOptions = {},
  ) {
    this.location = inner.location;
  }

  private async run<T>(what: string, op: (attempt: number) => Promise<T>): Promise<T> {
    const attempts = this.opts.attempts ?? 8;
    let delay = this.opts.baseDelayMs ?? 250;
    const sleep = this.opts.sleep ?? ((ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        return await op(attempt);
      } catch (err) {
        const e = CofferError.from(err);
        if (e.code !== ErrorCode.Retryable || attempt >= attempts) throw e;
        this.opts.onRetry?.(what, attempt, e);
        this.inner.reset?.();
        await sleep(delay);
        delay = Math.min(delay * 2, this.opts.maxDelayMs ?? 8000);
      }
    }
  }

  exists(): Promise<boolean> {
    return this.run('exists', () => this.inner.exists());
  }

  init(): Promise<void> {
    return this.run('init', () => this.inner.init());
  }

  save(kind: FileKind, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    return this.run(`save ${kind}`, () => this.inner.save(kind, name, data));
  }

  load(kind: FileKind, name: string, range?: Range): Promise<Buffer> {
    return this.run(`load ${kind}`, () => this.inner.load(kind, name, range));
  }

  stat(kind: FileKind, name: string): Promise<FileInfo> {
    return this.run(`stat ${kind}`, () => this.inner.stat(kind, name));
  }

  list(kind: FileKind): Promise<FileInfo[]> {
    return this.run(`list ${kind}`, () => this.inner.list(kind));
  }

  remove(kind: FileKind, name: string): Promise<void> {
    return this.run(`remove ${kind}`, async (attempt) => {
      try {
        await this.inner.remove(kind, name);
      } catch (err) {
        // A repeat that finds the file gone: the first attempt removed it.
        if (attempt > 1 && err instanceof CofferError && err.code === ErrorCode.NotFound) return;
        throw err;
      }
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
