/**
 * FastCDC content-defined chunking with normalized chunking (level 2) and a keyed
 * gear table. The gear table is derived from a per-store secret, so chunk boundaries
 * (and therefore chunk sizes) do not reveal content to someone who can see sizes.
 *
 * The rolling hash is 32-bit: h = (h << 1) + G[byte]. Bit k of h depends on the last
 * k+1 bytes, so cut masks use the high bits (window of up to 32 bytes).
 * Guarantees: for the same table and parameters, the same input always yields the
 * same boundaries, whatever the sizes of the pieces it is fed in; every chunk but the
 * last is between `min` and `max` bytes.
 */
import { hashKeyed } from './hash.js';

/** Chunk size parameters, stored in the store's config. */
export interface ChunkerParams {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
}

/** Defaults: 512 KiB / 1 MiB / 8 MiB (see docs/format.md for the measurement). */
export const DEFAULT_CHUNKER_PARAMS: ChunkerParams = { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 };

/** Builds the 256-entry gear table from a 32-byte secret. */
export function gearTable(secret: Uint8Array): Int32Array {
  const table = new Int32Array(256);
  const label = Buffer.alloc(8);
  label.write('gear', 0, 'latin1');
  for (let i = 0; i < 256; i++) {
    label.writeUInt32LE(i, 4);
    table[i] = hashKeyed(secret, label).readInt32LE(0);
  }
  return table;
}

function highMask(bits: number): number {
  return bits <= 0 ? 0 : (~0 << (32 - bits)) | 0;
}

/** Validates parameters; throws RangeError when they are not usable. */
export function validateParams(p: ChunkerParams): void {
  const pow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
  if (!pow2(p.avg) || p.min < 64 || p.min >= p.avg || p.max <= p.avg || p.max > 64 * 1024 * 1024) {
    throw new RangeError(`invalid chunker parameters min=${p.min} avg=${p.avg} max=${p.max}`);
  }
}

/** A stateless boundary finder for one parameter set and table. */
export class Chunker {
  private readonly maskS: number;
  private readonly maskL: number;

  constructor(
    private readonly table: Int32Array,
    readonly params: ChunkerParams,
  ) {
    validateParams(params);
    const bits = Math.round(Math.log2(params.avg));
    this.maskS = highMask(bits + 2);
    this.maskL = highMask(bits - 2);
  }

  /**
   * Length of the first chunk of `buf[0..len)`, or -1 if no cut point lies in it and
   * more data may follow (`final` false). With `final`, returns a cut ≤ len.
   */
  cut(buf: Uint8Array, len: number, final: boolean): number {
    const { min, avg, max } = this.params;
    if (len <= min) return final ? len : -1;
    const end = Math.min(len, max);
    const normal = Math.min(end, avg);
    const G = this.table;
    const maskS = this.maskS;
    const maskL = this.maskL;
    let h = 0;
    // Prime the 32-byte window before the first position that may cut.
    let i = min - 32;
    for (; i < min; i++) h = ((h << 1) + (G[buf[i] as number] as number)) | 0;
    for (; i < normal; i++) {
      h = ((h << 1) + (G[buf[i] as number] as number)) | 0;
      if ((h & maskS) === 0) return i + 1;
    }
    for (; i < end; i++) {
      h = ((h << 1) + (G[buf[i] as number] as number)) | 0;
      if ((h & maskL) === 0) return i + 1;
    }
    if (end === max) return max;
    return final ? len : -1;
  }
}

/** Reads up to `length` bytes into `buf` at `offset`; resolves 0 at end of data. */
export type ReadFn = (buf: Buffer, offset: number, length: number) => Promise<number>;

/** Allocates a reusable window for {@link chunkStream}: 2 × max plus max(max, readSize) bytes. */
export function newWindow(params: ChunkerParams, readSize = 1 << 20): Buffer {
  return Buffer.allocUnsafeSlow(2 * params.max + Math.max(params.max, readSize));
}

/**
 * The sliding window both the async stream (main thread) and the file workers (sync
 * reads) cut chunks from. Usage: while `wanted()` returns a read request, read into
 * it and call `filled(n)` (0 at end of data); then `take()` returns the next chunk as
 * a view into the window (valid until the next read), or undefined when done.
 * Each input byte is moved at most once more inside the window (a third of them).
 */
export class ChunkWindow {
  private start = 0;
  private end = 0;
  private eof = false;

  constructor(
    private readonly chunker: Chunker,
    private readonly buf: Buffer,
    private readonly readSize: number,
  ) {
    if (buf.length < 2 * chunker.params.max + readSize) throw new RangeError('chunk window too small');
  }

  /** Where to read next, or undefined when enough data (or the end) is buffered. */
  wanted(): { buf: Buffer; offset: number; length: number } | undefined {
    if (this.eof || this.end - this.start >= this.chunker.params.max) return undefined;
    if (this.end + this.readSize > this.buf.length) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    return { buf: this.buf, offset: this.end, length: Math.min(this.readSize, this.buf.length - this.end) };
  }

  /** Records that `n` bytes were read into the last requested place (0: end of data). */
  filled(n: number): void {
    if (n === 0) this.eof = true;
    this.end += n;
  }

  /** The next chunk (a view into the window), or undefined at the end. */
  take(): Buffer | undefined {
    if (this.end === this.start) return undefined;
    const avail = this.end - this.start;
    const c = this.chunker.cut(this.buf.subarray(this.start, this.end), avail, this.eof);
    const len = c < 0 ? avail : c;
    const view = this.buf.subarray(this.start, this.start + len);
    this.start += len;
    return view;
  }
}

/**
 * Splits the byte stream produced by `read` into chunks. Each yielded chunk is a
 * Buffer with its own ArrayBuffer (safe to transfer to a worker).
 * `window` (from {@link newWindow}) is scratch space, reusable across streams that do
 * not run at the same time.
 */
export async function* chunkStream(chunker: Chunker, read: ReadFn, window?: Buffer, readSize = 1 << 20): AsyncGenerator<Buffer> {
  const w = new ChunkWindow(chunker, window ?? newWindow(chunker.params, readSize), readSize);
  for (;;) {
    for (let r = w.wanted(); r; r = w.wanted()) w.filled(await read(r.buf, r.offset, r.length));
    const view = w.take();
    if (!view) return;
    const out = Buffer.allocUnsafeSlow(view.length);
    view.copy(out);
    yield out;
  }
}
