/**
 * zstd compression of blob payloads. A blob is stored compressed only when that
 * saves at least 1/32 of its size. Every blob is compressed whole into a scratch
 * buffer kept per thread, and only a result that pays is copied out: no sample can
 * stand for a whole chunk (a disk image's chunk may begin with random bytes and hold
 * zero runs or 64 KiB blocks repeated further on, which only a pass over the whole
 * chunk finds), and on incompressible data zstd's pass is cheap (~0.35 ms per MiB of
 * CPU here, docs/performance.md) as long as it allocates nothing.
 */
import { createRequire } from 'node:module';
import { decompress as zstdDecompress } from 'zstd-napi';

type Binding = typeof import('zstd-napi/binding.js');
const binding = createRequire(import.meta.url)('zstd-napi/binding.js') as Binding;

/** Default zstd level; chosen by benchmark (docs/performance.md). */
export const DEFAULT_LEVEL = 3;

const contexts = new Map<number, InstanceType<Binding['CCtx']>>();

function contextFor(level: number): InstanceType<Binding['CCtx']> {
  let c = contexts.get(level);
  if (!c) {
    c = new binding.CCtx();
    c.setParameter(binding.CParameter.compressionLevel, level);
    c.setParameter(binding.CParameter.contentSizeFlag, 1);
    c.setParameter(binding.CParameter.checksumFlag, 0);
    contexts.set(level, c);
  }
  return c;
}

/** Where blobs are compressed; grows to the bound of the largest blob seen (8 MiB chunks: ~8 MiB). */
let scratch = Buffer.alloc(0);

/**
 * Compresses `data` at `level`; returns undefined when compression does not pay
 * (output not at least 1/32 smaller) or `level` is 0 (compression off). The result
 * is a copy of the compressed bytes, so incompressible data costs no new buffer.
 */
export function compressIfSmaller(data: Uint8Array, level: number): Buffer | undefined {
  if (level === 0 || data.length < 64) return undefined;
  const bound = binding.compressBound(data.length);
  if (scratch.length < bound) scratch = Buffer.allocUnsafeSlow(Math.max(bound, 1 << 20));
  const n = contextFor(level).compress2(scratch, data);
  if (n > data.length - (data.length >>> 5)) return undefined;
  return Buffer.from(scratch.subarray(0, n));
}

/** Decompresses a zstd frame. */
export function decompress(data: Uint8Array): Buffer {
  return zstdDecompress(data);
}
