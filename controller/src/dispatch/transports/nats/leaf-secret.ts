/**
 * The password a site's leaf node logs in to the hub with: one per site, 32 random bytes
 * (base64url) in DATA/nats-leaves/<site>.secret (0600), made on first use by `controller
 * nats-config`. The hub's configuration lets the user `leaf-<site>` in with it; the
 * site's leaf configuration dials the hub with it. Never printed or logged.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** The hub's leaf-node user of `site`. */
export function leafUser(site: string): string {
  return `leaf-${site}`;
}

/** The site's leaf password, made when missing. */
export function leafPassword(dataDir: string, site: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(site)) throw new CofferError(ErrorCode.Usage, `site '${site}' is not a valid site name: use letters, digits, '-' and '_'`);
  const dir = path.join(dataDir, 'nats-leaves');
  const file = path.join(dir, `${site}.secret`);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32).toString('base64url');
    writeFileAtomicSync(file, secret + '\n', 0o600);
    return secret;
  }
}
