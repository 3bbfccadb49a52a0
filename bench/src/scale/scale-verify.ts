/**
 * Checks a restore of the scale tree without holding the tree in memory, folder by
 * folder: every folder is there with exactly the expected file names (so the count is
 * right), every folder's mode, mtime and owner match the source, and a deterministic
 * sample of files (every 97th, plus all of the first and the last folder) has the right
 * content (known from the layout) and the source's metadata. Any difference fails the
 * run: the mismatches are thrown as one {@link BenchError} (exit 3).
 */
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError, EXIT_MISMATCH } from '../errors.js';
import { metaDifferences, metaOf, type CompareOptions } from '../manifest.js';
import { scaleContent, scaleDirName, scaleFileName, scaleFilesIn, type ScaleShape } from './scale-layout.js';

/** Files whose index is a multiple of this are read back (a prime, so the sample crosses every folder count). */
const SAMPLE_EVERY = 97;
const MAX_SHOWN = 15;
const MAX_DEPTH = 32;

/** What one check covered. */
export interface ScaleCheck {
  readonly dirs: number;
  readonly files: number;
  readonly contentChecked: number;
}

/** The folder inside `target` holding the restored tree (tools may nest it under the source's path). */
export function scaleRoot(target: string): string {
  let dir = target;
  const first = scaleDirName(0);
  for (let i = 0; i < MAX_DEPTH && !existsSync(join(dir, first)); i++) {
    const names = readdirSync(dir);
    const only = names[0];
    if (names.length !== 1 || only === undefined || !lstatSync(join(dir, only)).isDirectory()) break;
    dir = join(dir, only);
  }
  return dir;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Verifies the restore at `target` against the source tree `src` of `shape`; throws on any mismatch. */
export function verifyScaleRestore(label: string, src: string, target: string, shape: ScaleShape, opts: CompareOptions): ScaleCheck {
  const root = scaleRoot(target);
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (p: string): void => {
    problemCount++;
    if (problems.length < MAX_SHOWN) problems.push(p);
  };
  const wantDirs = Array.from({ length: shape.dirs }, (_, d) => scaleDirName(d)).sort();
  const gotDirs = readdirSync(root).sort();
  if (!sameList(wantDirs, gotDirs)) problem(`top level: ${gotDirs.length} entries, expected the ${wantDirs.length} folders`);
  let files = 0;
  let contentChecked = 0;
  for (let d = 0; d < shape.dirs; d++) {
    const rel = scaleDirName(d);
    const dir = join(root, rel);
    if (!existsSync(dir)) {
      problem(`${rel}: missing`);
      continue;
    }
    const dirMeta = metaDifferences('dir', metaOf(join(src, rel)), metaOf(dir), opts);
    if (dirMeta.length > 0) problem(`${rel}: ${dirMeta.join(', ')}`);
    const ids = scaleFilesIn(d, shape);
    const want = ids.map(scaleFileName);
    const got = readdirSync(dir).sort();
    files += got.length;
    if (!sameList(want, got)) problem(`${rel}: ${got.length} entries, expected ${want.length} (names differ)`);
    const all = d === 0 || d === shape.dirs - 1;
    for (const i of ids) {
      if (!all && i % SAMPLE_EVERY !== 0) continue;
      const name = `${rel}/${scaleFileName(i)}`;
      const abs = join(root, name);
      if (!existsSync(abs)) continue;
      contentChecked++;
      if (readFileSync(abs, 'utf8') !== scaleContent(i)) problem(`${name}: content differs`);
      const meta = metaDifferences('file', metaOf(join(src, name)), metaOf(abs), opts);
      if (meta.length > 0) problem(`${name}: ${meta.join(', ')}`);
    }
  }
  if (problemCount > 0) {
    process.stderr.write(['', `!!! SCALE RESTORE MISMATCH (${label}): ${problemCount} problems`, ...problems.map((p) => `!!!   ${p}`), ''].join('\n') + '\n');
    throw new BenchError(`${label} restore of the scale tree differs from its source (see above; restored tree kept at ${target})`, EXIT_MISMATCH);
  }
  return { dirs: gotDirs.length, files, contentChecked };
}
