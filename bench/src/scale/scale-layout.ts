/**
 * The layout of the scale case's tree (issue 10: 1,000,000 files of a few bytes in
 * 10,000 folders, like a mail spool or a web root): file i lives in folder i mod D and
 * holds a few bytes derived from i, so the generator, its workers and the restore check
 * all know every name and every content without listing or storing the tree. Pure.
 */

/** Bump when names or contents change; an old cached tree is then made again. */
export const SCALE_LAYOUT_VERSION = 1;

/** The tree's shape. */
export interface ScaleShape {
  readonly files: number;
  readonly dirs: number;
}

/** Name of folder `d` (d00000 …). */
export function scaleDirName(d: number): string {
  return `d${String(d).padStart(5, '0')}`;
}

/** Name of file `i` inside its folder (f0000000 …). */
export function scaleFileName(i: number): string {
  return `f${String(i).padStart(7, '0')}`;
}

/** The folder file `i` lives in. */
export function scaleDirOf(i: number, shape: ScaleShape): number {
  return i % shape.dirs;
}

/** The files of folder `d`, in increasing order (also the order of their names). */
export function scaleFilesIn(d: number, shape: ScaleShape): number[] {
  const out: number[] = [];
  for (let i = d; i < shape.files; i += shape.dirs) out.push(i);
  return out;
}

/** The content of file `i`: a few bytes ("12345 ok\n"). */
export function scaleContent(i: number): string {
  return `${i} ok\n`;
}

/** Folder of the cached tree under bench/work for `shape`. */
export function scaleDirFor(shape: ScaleShape): string {
  return `scale-${shape.files}-${shape.dirs}`;
}
