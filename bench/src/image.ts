/**
 * A disk-image-like file, deterministic from its label (issue 10's dataset): a sequence
 * of 512-byte-aligned regions of three kinds, drawn from a {@link Prng}: runs of zeros
 * (512 B to 8 MiB: free space, padding), repeats of one of a few fixed 64 KiB blocks
 * (1 to 32 in a row: duplicated file-system blocks, templates), and random regions (4 KiB
 * to 4 MiB: compressed or encrypted content). Chunks of such a file begin with random
 * bytes and meet zero runs further on, which is what the compression probe has to judge.
 */
import { closeSync, openSync } from 'node:fs';
import { writeAll } from './fsutil.js';
import { Prng } from './prng.js';
import { RandomStream, randomBytesFor } from './randbytes.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SECTOR = 512;
const BLOCK = 64 * KiB;
/** Distinct 64 KiB blocks that the repeats draw from. */
const BLOCK_POOL = 12;
const PIECE = 1 * MiB;
const ZEROS = Buffer.alloc(PIECE);
/** Upper bound on regions, so the loop ends whatever the draws. */
const MAX_REGIONS = 1_000_000;

function sectors(n: number): number {
  return Math.max(SECTOR, Math.floor(n / SECTOR) * SECTOR);
}

/** Writes `n` zero bytes to `fd`. */
function writeZeros(fd: number, n: number): void {
  for (let done = 0; done < n; ) {
    const take = Math.min(PIECE, n - done);
    writeAll(fd, ZEROS.subarray(0, take));
    done += take;
  }
}

/** Writes the image of `label`, exactly `bytes` long, to `path`. */
export function writeImage(path: string, label: string, bytes: number): void {
  const p = new Prng(`${label}:layout`);
  const random = new RandomStream(`${label}:random`);
  const blocks = Array.from({ length: BLOCK_POOL }, (_, i) => randomBytesFor(`${label}:block:${i}`, BLOCK));
  const fd = openSync(path, 'w');
  try {
    let at = 0;
    for (let r = 0; r < MAX_REGIONS && at < bytes; r++) {
      const roll = p.int(100);
      if (roll < 30) {
        const n = Math.min(bytes - at, sectors(p.logNormal(128 * KiB, 1.6, SECTOR, 8 * MiB)));
        writeZeros(fd, n);
        at += n;
      } else if (roll < 60) {
        const block = p.pick(blocks);
        const times = p.range(1, 32);
        for (let i = 0; i < times && at < bytes; i++) {
          const n = Math.min(BLOCK, bytes - at);
          writeAll(fd, block.subarray(0, n));
          at += n;
        }
      } else {
        const n = Math.min(bytes - at, sectors(p.logNormal(256 * KiB, 1.4, 4 * KiB, 4 * MiB)));
        for (let done = 0; done < n; ) {
          const take = Math.min(PIECE, n - done);
          writeAll(fd, random.next(take));
          done += take;
        }
        at += n;
      }
    }
    if (at < bytes) writeZeros(fd, bytes - at);
  } finally {
    closeSync(fd);
  }
}
