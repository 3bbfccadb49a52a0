/**
 * BLAKE3 hashing. Blob and file ids are keyed BLAKE3 over the plaintext with a
 * per-store 32-byte key, so ids reveal nothing about content to someone without the
 * key. Backed by @napi-rs/blake-hash (native, ~4 GB/s here); blake3-wasm was measured
 * at ~0.8 GB/s (2.1.5) or broken (3.0.0), see docs/format.md.
 */
import { Blake3Hasher, blake3 } from '@napi-rs/blake-hash';

/** Length in bytes of every id. */
export const ID_LENGTH = 32;

/** Unkeyed BLAKE3 of `data` (32 bytes). */
export function hashPlain(data: Uint8Array): Buffer {
  return blake3(data);
}

/**
 * One keyed hasher per key object, reset before each use: setting up a keyed hasher
 * costs ~13 µs here against ~2 µs for reset, update and digest of a small blob. Keys are
 * never changed in place, so the key object stands for its bytes.
 */
const keyedHashers = new WeakMap<Uint8Array, Blake3Hasher>();

/** Keyed BLAKE3 of `data` under `key` (32 bytes). */
export function hashKeyed(key: Uint8Array, data: Uint8Array): Buffer {
  if (key.length !== 32) throw new RangeError('BLAKE3 key must be 32 bytes');
  let h = keyedHashers.get(key);
  if (h) h.reset();
  else {
    h = Blake3Hasher.newKeyed(Buffer.from(key.buffer, key.byteOffset, key.byteLength));
    keyedHashers.set(key, h);
  }
  return h.update(data).digestBuffer();
}

/** An incremental keyed hasher, for data that arrives in pieces. */
export interface StreamHasher {
  update(data: Uint8Array): void;
  digest(): Buffer;
}

/** Creates an incremental keyed BLAKE3 hasher. */
export function createKeyedHasher(key: Uint8Array): StreamHasher {
  const h = Blake3Hasher.newKeyed(Buffer.from(key.buffer, key.byteOffset, key.byteLength));
  return {
    update(data) {
      h.update(data);
    },
    digest() {
      return h.digestBuffer();
    },
  };
}

/**
 * `b` as a Buffer that owns its whole ArrayBuffer, copying when it is a view (small
 * Buffers share an 8 KiB pool; transferring such a view to a worker would send, and
 * detach, the whole pool).
 */
export function ownedBuffer(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length && !(b.buffer instanceof SharedArrayBuffer)) return b;
  const o = Buffer.allocUnsafeSlow(b.length);
  b.copy(o);
  return o;
}
