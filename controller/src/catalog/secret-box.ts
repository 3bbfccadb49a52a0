/**
 * Encryption of secrets at rest in the catalog (store passphrases): AES-256-GCM under
 * a key kept in a separate file (`DATA/secret.key`, 0600, created on first start), with
 * the row's name as associated data so a ciphertext cannot be moved to another row.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** Seals and opens small secrets. */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** Loads the key from `file`, creating it (atomically, 0600) if it does not exist. */
  static open(file: string): SecretBox {
    if (!fs.existsSync(file)) writeFileAtomicSync(file, randomBytes(32).toString('base64') + '\n', 0o600);
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new CofferError(ErrorCode.Config, `${file} is not a 32-byte base64 key; restore it from backup`);
    return new SecretBox(key);
  }

  /** nonce ‖ ciphertext ‖ tag. */
  seal(plaintext: string, context: string): Buffer {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, nonce);
    c.setAAD(Buffer.from(context));
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return Buffer.concat([nonce, body, c.getAuthTag()]);
  }

  open(sealed: Buffer, context: string): string {
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, 12));
      d.setAAD(Buffer.from(context));
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]).toString('utf8');
    } catch (err) {
      throw new CofferError(ErrorCode.Corrupt, `the stored secret of ${context} cannot be decrypted (wrong secret.key?)`, { cause: err });
    }
  }
}
