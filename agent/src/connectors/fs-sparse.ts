/**
 * Writing file content so that runs of zeros become holes: data is split at 4 KiB
 * boundaries of the file offset and pieces that are all zero are not written, so a
 * file system that allocates in 4 KiB blocks (ext4, xfs, btrfs, tmpfs) leaves them
 * unallocated; the caller sets the final size with ftruncate. Correct only for a
 * freshly created file in which each range is written at most once (unwritten ranges
 * read as zeros), which is how a restore writes. Cheap on data that is not zero: a
 * piece is compared with zeros only when its first and last bytes are zero, and
 * consecutive written pieces go out in one write.
 */
import fs from 'node:fs';

/** The granularity of holes, in bytes. */
export const HOLE_BLOCK = 4096;

const ZEROS = Buffer.alloc(HOLE_BLOCK);

/** Writes `data[start, end)` at file offset `position + start`. */
function writeAll(fd: number, data: Buffer, start: number, end: number, position: number): void {
  let done = start;
  while (done < end) done += fs.writeSync(fd, data, done, end - done, position + done);
}

/** Writes `data` at `position` of `fd`, skipping 4 KiB-aligned pieces that are all zero. */
export function writeSparse(fd: number, data: Uint8Array, position: number): void {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Pieces are aligned to the file offset (`position + i`), not to `data`.
  let run = -1;
  let i = 0;
  while (i < buf.length) {
    const next = Math.min(buf.length, i + HOLE_BLOCK - ((position + i) % HOLE_BLOCK));
    const zero = buf[i] === 0 && buf[next - 1] === 0 && buf.compare(ZEROS, 0, next - i, i, next) === 0;
    if (zero && run >= 0) {
      writeAll(fd, buf, run, i, position);
      run = -1;
    } else if (!zero && run < 0) {
      run = i;
    }
    i = next;
  }
  if (run >= 0) writeAll(fd, buf, run, buf.length, position);
}
