/**
 * Passphrase → key-encryption key with argon2id (libsodium, sumo build: the plain
 * libsodium-wrappers build has no crypto_pwhash). Parameters are stored in the store
 * config so they can be raised later without breaking old stores.
 */
import sodium from 'libsodium-wrappers-sumo';

/** argon2id parameters as stored in the config. */
export interface KdfParams {
  readonly alg: 'argon2id13';
  /** Random salt, base64. */
  readonly salt: string;
  /** Passes over memory (libsodium opslimit). */
  readonly opslimit: number;
  /** Memory in bytes (libsodium memlimit). */
  readonly memlimit: number;
}

/** Default cost: 3 passes over 64 MiB (~0.15 s here); see docs/format.md. */
export const DEFAULT_OPSLIMIT = 3;
export const DEFAULT_MEMLIMIT = 64 * 1024 * 1024;

/** Creates fresh parameters with a random salt. */
export async function newKdfParams(opslimit = DEFAULT_OPSLIMIT, memlimit = DEFAULT_MEMLIMIT): Promise<KdfParams> {
  await sodium.ready;
  const salt = sodium.randombytes_buf(sodium.crypto_pwhash_SALTBYTES);
  return { alg: 'argon2id13', salt: Buffer.from(salt).toString('base64'), opslimit, memlimit };
}

/** Derives the 32-byte key-encryption key from `passphrase`. */
export async function deriveKek(passphrase: string, p: KdfParams): Promise<Buffer> {
  await sodium.ready;
  if (p.alg !== 'argon2id13') throw new RangeError(`unsupported KDF ${String(p.alg)}`);
  const out = sodium.crypto_pwhash(
    32,
    Buffer.from(passphrase, 'utf8'),
    Buffer.from(p.salt, 'base64'),
    p.opslimit,
    p.memlimit,
    sodium.crypto_pwhash_ALG_ARGON2ID13,
  );
  return Buffer.from(out);
}
