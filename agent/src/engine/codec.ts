/**
 * Encoding of everything stored: blobs in packfiles, pack headers, index files,
 * snapshots and locks. Stored form:
 *   encrypted store: XAES-256-GCM seal of (flag ‖ payload), bound to an AAD
 *   plaintext store: flag ‖ payload
 * flag 0 = payload raw, 1 = payload is one zstd frame.
 * Pure: no I/O; safe to run in worker threads.
 */
import { type AeadKey, AuthenticationError, open, seal } from './aead.js';
import { compressIfSmaller, decompress } from './compress.js';

const FLAG_RAW = 0;
const FLAG_ZSTD = 1;
const FLAGS = [Buffer.from([FLAG_RAW]), Buffer.from([FLAG_ZSTD])] as const;

/** Thrown when stored bytes cannot be decoded (authentication or format failure). */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

/** How a store encodes: its data key (absent for plaintext stores) and zstd level. */
export interface CodecOptions {
  readonly key: AeadKey | undefined;
  /** zstd level; 0 disables compression. */
  readonly level: number;
}

/** Encodes `data` for storage (compress when it pays, then encrypt). */
export function encode(opts: CodecOptions, data: Uint8Array, aad: Uint8Array): Buffer {
  const z = compressIfSmaller(data, opts.level);
  const flag = z ? FLAGS[1] : FLAGS[0];
  const payload = z ?? data;
  if (opts.key) return seal(opts.key, [flag, payload], aad);
  return Buffer.concat([flag, payload]);
}

/** Decodes stored bytes; throws {@link DecodeError} when they were altered. */
export function decode(opts: CodecOptions, stored: Uint8Array, aad: Uint8Array): Buffer {
  let body: Buffer;
  if (opts.key) {
    try {
      body = open(opts.key, stored, aad);
    } catch (err) {
      if (err instanceof AuthenticationError) throw new DecodeError('authentication failed', { cause: err });
      throw err;
    }
  } else {
    body = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  }
  const flag = body[0];
  if (flag === FLAG_RAW) return body.subarray(1);
  if (flag === FLAG_ZSTD) {
    try {
      return decompress(body.subarray(1));
    } catch (err) {
      throw new DecodeError('zstd frame is damaged', { cause: err });
    }
  }
  throw new DecodeError(`unknown encoding flag ${String(flag)}`);
}
