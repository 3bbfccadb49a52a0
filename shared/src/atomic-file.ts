/**
 * Small files written so that a reader finds the old content or the new, never a torn
 * one: a temporary file with a random name beside the target (created exclusively,
 * with the final mode from the start), fsync'ed, then renamed over the target. Used for
 * configuration, keys, certificates and tokens on both sides.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Writes `data` to `file` atomically with `mode`. The folder must exist. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, mode: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
