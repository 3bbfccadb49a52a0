/**
 * Stops a store's storage when `signal` aborts (SIGINT/SIGTERM): operations in flight
 * reject at once with Interrupted (whatever the network does: the caller stops waiting),
 * and no operation starts after the signal, so nothing (no pack, index or snapshot) is
 * written after it. The one exception is removing a lock: a process interrupted still
 * releases its lock, best effort (the CLI's hard stop bounds how long it may take).
 * It is the CLI run's handle on the store, so it also runs the run's cleanup (releasing
 * a reader's lock) when the store is closed.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { untilAborted } from '@coffer/shared/abort.js';
import type { FileInfo, FileKind, Range, StorageBackend } from '../backend.js';

/** Wraps `inner` so that it stops at `signal`. */
export class AbortableBackend implements StorageBackend {
  readonly location: string;
  private readonly cleanups: (() => Promise<void>)[] = [];

  constructor(
    private readonly inner: StorageBackend,
    private readonly signal: AbortSignal,
  ) {
    this.location = inner.location;
  }

  private run<T>(op: () => Promise<T>): Promise<T> {
    const message = `interrupted: stopped working on ${this.location}`;
    if (this.signal.aborted) return Promise.reject(new CofferError(ErrorCode.Interrupted, message));
    return untilAborted(op(), this.signal, message);
  }

  exists(): Promise<boolean> {
    return this.run(() => this.inner.exists());
  }

  init(): Promise<void> {
    return this.run(() => this.inner.init());
  }

  save(kind: FileKind, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    return this.run(() => this.inner.save(kind, name, data));
  }

  replaceConfig(data: Uint8Array): Promise<void> {
    return this.run(() => this.inner.replaceConfig(data));
  }

  load(kind: FileKind, name: string, range?: Range): Promise<Buffer> {
    return this.run(() => this.inner.load(kind, name, range));
  }

  stat(kind: FileKind, name: string): Promise<FileInfo> {
    return this.run(() => this.inner.stat(kind, name));
  }

  list(kind: FileKind): Promise<FileInfo[]> {
    return this.run(() => this.inner.list(kind));
  }

  remove(kind: FileKind, name: string): Promise<void> {
    if (kind === 'lock') return this.inner.remove(kind, name);
    return this.run(() => this.inner.remove(kind, name));
  }

  /** Runs `fn` (once) when the store is closed, before the connection goes. */
  beforeClose(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.cleanups.splice(0)) await fn().catch(() => undefined);
    await this.inner.close();
  }
}
