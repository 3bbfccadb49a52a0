/**
 * Writing file content so that runs of zeros become holes: data is split at 4 KiB
 * boundaries of the file offset and pieces that are all zero are not written, so a
 * file system that allocates in 4 KiB blocks (ext4, xfs, btrfs, tmpfs) leaves them
 * unallocated; the caller sets the final size with ftruncate when the written end
 * falls short of it. Correct only for a freshly created file in which each range is
 * written at most once (unwritten ranges read as zeros), which is how a restore
 * writes. Cheap on data that is not zero: a piece is compared with zeros only when its
 * first and last bytes are zero, and consecutive written pieces go out in one write.
 * Synchronous calls: on this path they cost a fraction of what libuv's thread pool
 * adds per call (measured: docs/performance.md, "Restore").
 */
import fs from 'node:fs';

/** The granularity of holes, in bytes. */
export const HOLE_BLOCK = 4096;

const ZEROS = Buffer.alloc(HOLE_BLOCK);

/** The runs `[start, end)` of `data` (to be written at file offset `position + start`) that are not 4 KiB-aligned blocks of zeros. */
export function dataRuns(data: Buffer, position: number): [number, number][] {
  const runs: [number, number][] = [];
  // Pieces are aligned to the file offset (`position + i`), not to `data`.
  let run = -1;
  let i = 0;
  while (i < data.length) {
    const next = Math.min(data.length, i + HOLE_BLOCK - ((position + i) % HOLE_BLOCK));
    const zero = data[i] === 0 && data[next - 1] === 0 && data.compare(ZEROS, 0, next - i, i, next) === 0;
    if (zero && run >= 0) {
      runs.push([run, i]);
      run = -1;
    } else if (!zero && run < 0) {
      run = i;
    }
    i = next;
  }
  if (run >= 0) runs.push([run, data.length]);
  return runs;
}

/**
 * Writes `data` at `position` of `fd`, skipping 4 KiB-aligned pieces that are all
 * zero. Returns the file offset just past the last byte written (`position` when
 * nothing was written), so the caller knows whether the file must still be extended.
 */
export function writeSparse(fd: number, data: Uint8Array, position: number): number {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let end = position;
  for (const [start, stop] of dataRuns(buf, position)) {
    let done = start;
    while (done < stop) done += fs.writeSync(fd, buf, done, stop - done, position + done);
    end = position + stop;
  }
  return end;
}
