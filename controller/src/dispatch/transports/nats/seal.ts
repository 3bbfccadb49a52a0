/**
 * Seals a secret to an agent's X25519 box key (libsodium sealed box): only the agent's
 * private box key opens it, so a job persisted in a JetStream stream never holds the
 * store passphrase in clear.
 */
import { createRequire } from 'node:module';

interface Sodium {
  crypto_box_seal(c: Buffer, m: Buffer, pk: Buffer): void;
  readonly crypto_box_SEALBYTES: number;
  readonly crypto_box_PUBLICKEYBYTES: number;
}
const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;

/** The sealed box of `secret` for `boxKeyB64` (the agent's enrolled box public key). */
export function sealTo(boxKeyB64: string, secret: string): Buffer {
  const pk = Buffer.from(boxKeyB64, 'base64');
  if (pk.length !== sodium.crypto_box_PUBLICKEYBYTES) throw new Error('the agent has no valid box key; enroll it again');
  const m = Buffer.from(secret, 'utf8');
  const c = Buffer.alloc(m.length + sodium.crypto_box_SEALBYTES);
  sodium.crypto_box_seal(c, m, pk);
  m.fill(0);
  return c;
}
