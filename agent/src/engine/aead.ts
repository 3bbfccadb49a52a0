/**
 * XAES-256-GCM (C2SP): AES-256-GCM with a 24-byte random nonce, from which a
 * per-message key is derived with two AES blocks (NIST SP 800-108 counter KDF with
 * CMAC). Random 192-bit nonces make nonce reuse a non-issue for any realistic number
 * of blobs under one master key, while keeping node:crypto's AES-GCM speed
 * (~3 GB/s here vs ~0.35 GB/s for libsodium-wrappers XChaCha20-Poly1305).
 *
 * Sealed layout: nonce(24) ‖ ciphertext ‖ tag(16).
 */
import { type Cipher, createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const NONCE_LENGTH = 24;
export const TAG_LENGTH = 16;
/** Bytes a sealed message adds to its plaintext. */
export const SEAL_OVERHEAD = NONCE_LENGTH + TAG_LENGTH;

/** Random nonces are drawn from the OS CSPRNG 256 at a time (one call per 6 KiB, not per blob). */
let noncePool = Buffer.alloc(0);
let noncePos = 0;
function freshNonce(): Buffer {
  if (noncePos + NONCE_LENGTH > noncePool.length) {
    noncePool = randomBytes(NONCE_LENGTH * 256);
    noncePos = 0;
  }
  const n = noncePool.subarray(noncePos, noncePos + NONCE_LENGTH);
  noncePos += NONCE_LENGTH;
  return n;
}

/** Thrown by {@link open} when the ciphertext or its associated data was altered. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/** A key ready for sealing and opening; the subkey derivation constant is precomputed. */
export interface AeadKey {
  readonly key: Buffer;
  readonly k1: Buffer;
}

function aesBlock(key: Buffer, block: Buffer): Buffer {
  const c = createCipheriv('aes-256-ecb', key, null);
  c.setAutoPadding(false);
  return c.update(block);
}

/** Prepares a 32-byte key: computes K1 = dbl(AES_K(0^128)). */
export function prepareKey(key: Uint8Array): AeadKey {
  if (key.length !== 32) throw new RangeError('XAES-256-GCM key must be 32 bytes');
  const k = Buffer.from(key);
  const l = aesBlock(k, Buffer.alloc(16));
  const k1 = Buffer.alloc(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    const b = l[i] ?? 0;
    k1[i] = ((b << 1) | carry) & 0xff;
    carry = b >> 7;
  }
  if ((l[0] ?? 0) & 0x80) k1[15] = (k1[15] ?? 0) ^ 0x87;
  return { key: k, k1 };
}

/**
 * One AES-256-ECB cipher per key for the subkey derivation: ECB keeps no state between
 * blocks, so a cipher reused for each derivation gives the same blocks as a fresh one
 * (which costs ~2.5 µs to set up, against ~0.7 µs for the two blocks).
 */
const derivers = new WeakMap<AeadKey, Cipher>();

function deriveKey(k: AeadKey, nonce: Uint8Array): Buffer {
  const m = Buffer.alloc(32);
  m[1] = 0x01;
  m[2] = 0x58;
  m[17] = 0x02;
  m[18] = 0x58;
  for (let i = 0; i < 12; i++) {
    m[4 + i] = nonce[i] ?? 0;
    m[20 + i] = nonce[i] ?? 0;
  }
  for (let i = 0; i < 16; i++) {
    m[i] = (m[i] ?? 0) ^ (k.k1[i] ?? 0);
    m[16 + i] = (m[16 + i] ?? 0) ^ (k.k1[i] ?? 0);
  }
  let ecb = derivers.get(k);
  if (!ecb) {
    ecb = createCipheriv('aes-256-ecb', k.key, null);
    ecb.setAutoPadding(false);
    derivers.set(k, ecb);
  }
  return ecb.update(m);
}

/**
 * Encrypts `plaintext` (given as parts, concatenated) under `k`, binding `aad`.
 * `nonce` is for test vectors only; normally a random one is drawn.
 */
export function seal(k: AeadKey, parts: readonly Uint8Array[], aad?: Uint8Array, nonce?: Uint8Array): Buffer {
  const n = nonce ? Buffer.from(nonce) : freshNonce();
  const c = createCipheriv('aes-256-gcm', deriveKey(k, n), n.subarray(12, 24));
  if (aad) c.setAAD(aad);
  const pieces: Buffer[] = [n];
  let total = NONCE_LENGTH;
  for (const p of parts) {
    const out = c.update(p);
    pieces.push(out);
    total += out.length;
  }
  const fin = c.final();
  if (fin.length) {
    pieces.push(fin);
    total += fin.length;
  }
  const tag = c.getAuthTag();
  pieces.push(tag);
  total += tag.length;
  return Buffer.concat(pieces, total);
}

/** Decrypts and authenticates a sealed message; throws {@link AuthenticationError}. */
export function open(k: AeadKey, sealed: Uint8Array, aad?: Uint8Array): Buffer {
  if (sealed.length < SEAL_OVERHEAD) throw new AuthenticationError('ciphertext too short');
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const n = buf.subarray(0, NONCE_LENGTH);
  const body = buf.subarray(NONCE_LENGTH, buf.length - TAG_LENGTH);
  const d = createDecipheriv('aes-256-gcm', deriveKey(k, n), n.subarray(12, 24));
  if (aad) d.setAAD(aad);
  d.setAuthTag(buf.subarray(buf.length - TAG_LENGTH));
  const out = d.update(body);
  try {
    d.final();
  } catch (err) {
    throw new AuthenticationError('message authentication failed', { cause: err });
  }
  return out;
}
