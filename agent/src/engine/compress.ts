/**
 * zstd compression of blob payloads. A blob is stored compressed only when that
 * saves at least 1/32 of its size; incompressible data (already compressed media,
 * encrypted files) is detected by zstd itself at GB/s and stored raw.
 */
import { Compressor, decompress as zstdDecompress } from 'zstd-napi';

/** Default zstd level; chosen by benchmark (docs/performance.md). */
export const DEFAULT_LEVEL = 3;

const compressors = new Map<number, Compressor>();

function compressorFor(level: number): Compressor {
  let c = compressors.get(level);
  if (!c) {
    c = new Compressor();
    c.setParameters({ compressionLevel: level, contentSizeFlag: true, checksumFlag: false });
    compressors.set(level, c);
  }
  return c;
}

const SAMPLE = 64 * 1024;

/**
 * Compresses `data` at `level`; returns undefined when compression does not pay
 * (output not at least 1/32 smaller) or `level` is 0 (compression off). Large inputs
 * are first probed with a 64 KiB sample from their middle: when even that does not
 * shrink by 1/32, the whole is stored raw without compressing it (random or already
 * compressed data), which saves the compression pass and its output buffer.
 */
export function compressIfSmaller(data: Uint8Array, level: number): Buffer | undefined {
  if (level === 0 || data.length < 64) return undefined;
  if (data.length >= 4 * SAMPLE) {
    const mid = (data.length >>> 1) - SAMPLE / 2;
    const probe = compressorFor(1).compress(data.subarray(mid, mid + SAMPLE));
    if (probe.length > SAMPLE - (SAMPLE >>> 5)) return undefined;
  }
  const out = compressorFor(level).compress(data);
  return out.length <= data.length - (data.length >>> 5) ? out : undefined;
}

/** Decompresses a zstd frame. */
export function decompress(data: Uint8Array): Buffer {
  return zstdDecompress(data);
}
