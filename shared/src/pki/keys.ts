/**
 * Key material for the PKI: every key is ECDSA on P-256 and every signature ECDSA with
 * SHA-256. Private keys travel as PKCS#8 PEM. Serial numbers are 16 random bytes,
 * positive and of fixed length, so their hex form is always 32 characters.
 */
import { KeyObject, createPrivateKey, randomBytes, type webcrypto } from 'node:crypto';
import { CofferError, ErrorCode } from '../errors.js';
import { x509 } from './x509.js';

/** Parameters of every key this module makes. */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Parameters of every signature this module makes. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A new extractable P-256 key pair. */
export async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

/** The private key as PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). */
export function privateKeyToPem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * Imports a P-256 private key (PKCS#8 or SEC1 PEM) for signing.
 * @throws CofferError(Config) when the PEM is not a P-256 private key.
 */
export async function importSigningKey(pem: string, what: string): Promise<webcrypto.CryptoKey> {
  let der: Buffer;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key, not ECDSA P-256`);
    }
    der = key.export({ type: 'pkcs8', format: 'der' });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CofferError(ErrorCode.Config, `${what} is not a usable P-256 private key: ${why}`, { cause: err });
  }
  return globalThis.crypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

/** A new serial number: 16 random bytes, top bit clear and next bit set (positive, minimal DER). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** The subject or issuer name holding only a common name (no DN string parsing, so no escaping issues). */
export function commonNameOnly(commonName: string): x509.Name {
  if (commonName.trim() === '' || commonName.length > 64) {
    throw new CofferError(ErrorCode.Config, `common name must be 1 to 64 characters, got ${JSON.stringify(commonName)}`);
  }
  return new x509.Name([{ CN: [commonName] }]);
}
