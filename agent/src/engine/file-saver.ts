/**
 * Stores files read through a Source on this thread (a remote source, or a backup
 * without file workers): chunks them, hashes the chunks and adds them to a RepoWriter.
 * Bounds: at most REMOTE_FILES files are read at once (callers take a turn first), and
 * at most MAX_WINDOWS chunking windows of 24 MiB exist, shared by the files in flight.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { chunkStream, newWindow } from './chunker.js';
import { BlobType } from './pack.js';
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';
import type { Source } from '../connectors/source.js';

/** Files of a remote source read at once (each SFTP read is a round trip; latency hides behind the others). */
const REMOTE_FILES = 8;
/** Chunking windows at most (each 2 × max chunk + a read: 24 MiB), shared by the files in flight. */
const MAX_WINDOWS = 2;

/** Reads and stores files through a Source. */
export class StreamFileSaver {
  /** Chunking windows not in use. */
  private readonly windows: Buffer[] = [];
  private windowsMade = 0;
  private readonly windowWaiters: (() => void)[] = [];
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter,
    private readonly source: Source,
    /** Told of each chunk's raw length as it is stored. */
    private readonly onBytes: (n: number) => void,
  ) {}

  /** Waits for a turn among the files read at once; call {@link release} after. */
  async turn(): Promise<void> {
    while (this.active >= REMOTE_FILES) await new Promise<void>((r) => this.waiters.push(r));
    this.active++;
  }

  release(): void {
    this.active--;
    this.waiters.shift()?.();
  }

  /** Resolves once no file holds a turn. */
  async idle(): Promise<void> {
    while (this.active > 0) await new Promise<void>((r) => this.waiters.push(r));
  }

  private async takeWindow(): Promise<Buffer> {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const w = this.windows.pop();
      if (w) return w;
      if (this.windowsMade < MAX_WINDOWS) {
        this.windowsMade++;
        return newWindow(this.repo.chunker.params);
      }
      await new Promise<void>((r) => this.windowWaiters.push(r));
    }
    throw new CofferError(ErrorCode.Internal, 'no chunking window became free');
  }

  private giveWindow(w: Buffer): void {
    this.windows.push(w);
    this.windowWaiters.shift()?.();
  }

  /** Stores the file at `rel` (`expected` bytes by its listing); throws when it cannot be read. */
  async save(rel: string, expected: number): Promise<{ size: number; content: string[] }> {
    const f = await this.source.open(rel, expected);
    const content: string[] = [];
    let size = 0;
    const add = async (chunk: Buffer): Promise<void> => {
      const id = this.repo.idOf(chunk);
      size += chunk.length;
      this.onBytes(chunk.length);
      content.push(id.toString('hex'));
      await this.writer.addBlob(BlobType.Data, id, chunk);
    };
    try {
      if (expected > 0 && expected <= this.repo.chunker.params.min) {
        // A small file is one chunk: read it straight into its own buffer.
        const buf = Buffer.allocUnsafeSlow(expected);
        let got = 0;
        while (got < expected) {
          const n = await f.read(buf, got, expected - got);
          if (n === 0) break;
          got += n;
        }
        if (got > 0) await add(got === expected ? buf : Buffer.from(buf.subarray(0, got)));
        if (got < expected) return { size, content };
      }
      const window = await this.takeWindow();
      try {
        for await (const chunk of chunkStream(this.repo.chunker, (b, o, l) => f.read(b, o, l), window)) await add(chunk);
      } finally {
        this.giveWindow(window);
      }
    } finally {
      await f.close();
    }
    return { size, content };
  }
}
