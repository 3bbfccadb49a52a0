/**
 * Writing the files of a restore. Each file's operations (create, writes, commit or
 * abort) run in order on its own chain, one at a time, as DestinationFile asks; the
 * chains of different files run at once, so a destination whose calls wait on I/O
 * (local disk through libuv's thread pool, SFTP round trips) keeps several files in
 * flight. Bounds: at most `ops` operations and `bytes` of data queued at once; a call
 * that would go beyond waits. A failure that concerns one file (damage, a refusal,
 * something in the way) marks that file failed, reports it once and removes what was
 * created of it; any other failure (no space, permission, I/O) is kept and thrown by
 * the next call and by `drain`, and later operations are not started.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Destination, DestinationFile } from '../connectors/destination.js';
import type { TreeNode } from './tree.js';

/** Operations queued at most (each holds at most one blob's plaintext). */
const OPS_IN_FLIGHT = 32;
/** Bytes of data queued for writing at most. */
const BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/** One file to restore. */
export interface FileTask {
  readonly path: string;
  readonly node: TreeNode;
  /** Blobs still to write. */
  remaining: number;
  /** Why it is not restored, once known. */
  failed?: string;
  /** Committed or aborted: nothing more to do. */
  settled?: boolean;
  file?: DestinationFile;
  /** The end of its queued operations. */
  chain?: Promise<void>;
  /** Marked when it fails (its hard links then fail too). */
  readonly link?: { failed: boolean };
}

/** What the writer reports. */
export interface WriterEvents {
  failed(task: FileTask, reason: string): void;
  committed(task: FileTask): void;
  wrote(bytes: number): void;
}

/** Whether a destination error concerns one entry only (a refusal, something in the way), so the restore goes on. */
export function entryError(err: unknown): boolean {
  const code = CofferError.from(err).code;
  return code === ErrorCode.Corrupt || code === ErrorCode.NotFound;
}

/** Writes files through a destination, several at once. */
export class FileWriter {
  private readonly inflight = new Set<Promise<void>>();
  private bytes = 0;
  private fatal: CofferError | undefined;

  constructor(
    private readonly dest: Destination,
    private readonly events: WriterEvents,
    private readonly limits = { ops: OPS_IN_FLIGHT, bytes: BYTES_IN_FLIGHT },
  ) {}

  /** Writes `data` at `offset` of `task`, then commits it when that was its last blob. */
  write(task: FileTask, data: Buffer, offset: number): Promise<void> {
    return this.queue(task, data.length, async () => {
      const f = await this.open(task);
      await f.write(data, offset);
      this.events.wrote(data.length);
      if (--task.remaining === 0) await this.commit(task, f);
    });
  }

  /** Creates and commits a file that has no content. */
  empty(task: FileTask): Promise<void> {
    return this.queue(task, 0, async () => this.commit(task, await this.open(task)));
  }

  /** Marks `task` failed (reported once) and, after its queued operations, removes what was created of it. */
  fail(task: FileTask, reason: string): Promise<void> {
    if (task.failed !== undefined) return Promise.resolve();
    this.markFailed(task, reason);
    return this.queue(task, 0, () => this.discard(task), true);
  }

  /** Waits for every queued operation; throws the failure that ends the restore, if any. */
  async drain(): Promise<void> {
    await Promise.all(this.inflight);
    if (this.fatal) throw this.fatal;
  }

  /** After a failure that ends the restore: waits for what is running, then removes every file of `tasks` not committed. */
  async abortAll(tasks: readonly FileTask[]): Promise<void> {
    this.fatal ??= new CofferError(ErrorCode.Interrupted, 'restore stopped');
    await Promise.all(this.inflight);
    for (const t of tasks) await this.discard(t).catch(() => undefined);
  }

  private markFailed(task: FileTask, reason: string): void {
    task.failed = reason;
    if (task.link) task.link.failed = true;
    this.events.failed(task, reason);
  }

  private async open(task: FileTask): Promise<DestinationFile> {
    task.file ??= await this.dest.createFile(task.path, task.node);
    return task.file;
  }

  private async commit(task: FileTask, f: DestinationFile): Promise<void> {
    task.settled = true;
    try {
      await f.commit(task.node);
    } catch (err) {
      await f.abort().catch(() => undefined);
      throw err;
    }
    this.events.committed(task);
  }

  private async discard(task: FileTask): Promise<void> {
    if (task.settled || !task.file) return;
    task.settled = true;
    await task.file.abort();
  }

  /** Queues `op` on `task`'s chain; `always`: even when the task has failed or the restore is ending. */
  private async queue(task: FileTask, bytes: number, op: () => Promise<void>, always = false): Promise<void> {
    if (this.fatal && !always) throw this.fatal;
    const run = async (): Promise<void> => {
      if (!always && (task.failed !== undefined || this.fatal)) return;
      try {
        await op();
      } catch (err) {
        if (!entryError(err)) {
          this.fatal ??= CofferError.from(err);
          return;
        }
        if (task.failed === undefined) this.markFailed(task, CofferError.from(err).message);
        await this.discard(task).catch(() => undefined);
      }
    };
    const p = (task.chain ?? Promise.resolve()).then(run);
    task.chain = p;
    this.bytes += bytes;
    const tracked: Promise<void> = p.finally(() => {
      this.inflight.delete(tracked);
      this.bytes -= bytes;
    });
    this.inflight.add(tracked);
    while (this.inflight.size >= this.limits.ops || (this.bytes > this.limits.bytes && this.inflight.size > 1)) await Promise.race(this.inflight);
    if (this.fatal && !always) throw this.fatal;
  }
}
