/**
 * Retries storage operations that failed for a passing reason (CofferError
 * Retryable: a dropped connection, a refused connection while a server restarts,
 * a timeout), with exponential backoff, after asking the backend to drop its
 * connection. Every operation of the StorageBackend contract is safe to repeat:
 * saves write a fresh temporary file and skip names that exist, reads and listings
 * have no effect, and a remove that finds the file gone on a repeat has done its job.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { retry, type RetryOptions } from '@coffer/shared/retry.js';
import type { FileInfo, FileKind, Range, StorageBackend } from '../backend.js';

/** A backend that can drop its connection so the next call reconnects. */
export interface Resettable {
  reset(): void;
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

  private run<T>(what: string, op: (attempt: number) => Promise<T>): Promise<T> {
    return retry(what, op, {
      ...this.opts,
      onRetry: (w, attempt, err) => {
        this.opts.onRetry?.(w, attempt, err);
        this.inner.reset?.();
      },
    });
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

  replaceConfig(data: Uint8Array): Promise<void> {
    return this.run('replace config', () => this.inner.replaceConfig(data));
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
