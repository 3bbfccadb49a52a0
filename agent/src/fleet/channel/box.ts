/**
 * The agent's box key pair (X25519, libsodium): made at NATS enrollment; the controller
 * seals secrets sent with a job to its public half, only this agent opens them.
 */
import { createRequire } from 'node:module';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

interface Sodium {
  crypto_box_keypair(pk: Buffer, sk: Buffer): void;
  crypto_box_seal_open(m: Buffer, c: Buffer, pk: Buffer, sk: Buffer): boolean;
  readonly crypto_box_SEALBYTES: number;
  readonly crypto_box_PUBLICKEYBYTES: number;
  readonly crypto_box_SECRETKEYBYTES: number;
}
const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;

/** A new key pair, base64. */
export function newBoxKeyPair(): { boxPublic: string; boxSecret: string } {
  const pk = Buffer.alloc(sodium.crypto_box_PUBLICKEYBYTES);
  const sk = Buffer.alloc(sodium.crypto_box_SECRETKEYBYTES);
  sodium.crypto_box_keypair(pk, sk);
  return { boxPublic: pk.toString('base64'), boxSecret: sk.toString('base64') };
}

/** Opens a sealed box; a Config error when it was not sealed to this key. */
export function openSealed(sealed: Uint8Array, boxPublic: string, boxSecret: string): string {
  const c = Buffer.from(sealed);
  if (c.length < sodium.crypto_box_SEALBYTES) throw new CofferError(ErrorCode.Config, 'the sealed passphrase of the job is truncated');
  const m = Buffer.alloc(c.length - sodium.crypto_box_SEALBYTES);
  if (!sodium.crypto_box_seal_open(m, c, Buffer.from(boxPublic, 'base64'), Buffer.from(boxSecret, 'base64'))) {
    throw new CofferError(ErrorCode.Config, 'the passphrase of the job was not sealed to this agent; enroll it again');
  }
  const s = m.toString('utf8');
  m.fill(0);
  return s;
}
