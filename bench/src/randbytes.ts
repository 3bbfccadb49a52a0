/**
 * Incompressible, deterministic bytes: AES-128-CTR keystream under a fixed key, with the
 * IV taken from SHA-256 of a label. The same label gives the same bytes on every
 * machine, and different labels give unrelated streams (no accidental dedup).
 */
import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { writeAll } from './fsutil.js';

const KEY = createHash('sha256').update('coffer-bench fixed key v1').digest().subarray(0, 16);
const CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(CHUNK);

/** A keystream for one label; read it in order with {@link RandomStream.next}. */
export class RandomStream {
  private readonly cipher: Cipher;

  constructor(label: string) {
    const iv = createHash('sha256').update(label).digest().subarray(0, 16);
    this.cipher = createCipheriv('aes-128-ctr', KEY, iv);
  }

  /** The next `n` bytes of the stream (n ≤ 1 MiB). */
  next(n: number): Buffer {
    if (n > CHUNK) throw new RangeError(`RandomStream.next: ${n} > ${CHUNK}`);
    return this.cipher.update(ZEROS.subarray(0, n));
  }
}

/** `n` bytes (any size) of the stream for `label`. */
export function randomBytesFor(label: string, n: number): Buffer {
  const stream = new RandomStream(label);
  const parts: Buffer[] = [];
  for (let done = 0; done < n; ) {
    const take = Math.min(CHUNK, n - done);
    parts.push(stream.next(take));
    done += take;
  }
  return Buffer.concat(parts, n);
}

/** Writes `n` bytes of the stream for `label` to `path`, appending when `append`. */
export function writeRandomFile(path: string, label: string, n: number, append = false): void {
  const stream = new RandomStream(label);
  const fd = openSync(path, append ? 'a' : 'w');
  try {
    for (let done = 0; done < n; ) {
      const take = Math.min(CHUNK, n - done);
      writeAll(fd, stream.next(take));
      done += take;
    }
  } finally {
    closeSync(fd);
  }
}
