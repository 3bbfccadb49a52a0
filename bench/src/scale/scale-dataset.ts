/**
 * The scale case's tree, made once and cached under bench/work (`scale-N-D`, with a
 * marker `scale-N-D.json` naming the layout version and shape): the folders are dealt
 * out to up to two worker threads, each writing its files with synchronous calls.
 * A tree whose marker does not match is removed and made again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BenchError, messageOf } from '../errors.js';
import type { GenJob } from './scale-gen-worker.js';
import { SCALE_LAYOUT_VERSION, scaleDirFor, type ScaleShape } from './scale-layout.js';

const WORKER_URL = new URL('./scale-gen-worker.js', import.meta.url);
const MAX_WORKERS = 2;

/** The cached tree. */
export interface ScaleDataset {
  readonly dir: string;
  readonly shape: ScaleShape;
  readonly reused: boolean;
}

interface Marker {
  version: number;
  files: number;
  dirs: number;
}

/** `rm -rf path` (much faster than a JavaScript walk on a million files); no error if absent. */
export function removeBig(path: string): void {
  const r = spawnSync('rm', ['-rf', '--', path], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new BenchError(`rm -rf ${path} failed: ${r.error?.message ?? r.stderr.trim()}`);
}

function readMarker(path: string): Marker | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

function runWorker(job: GenJob): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_URL, { workerData: job });
    let count: number | undefined;
    w.once('message', (n: number) => (count = n));
    w.once('error', reject);
    w.once('exit', (code) => (code === 0 && count !== undefined ? resolve(count) : reject(new Error(`generator worker exited with status ${code}`))));
  });
}

/** Returns the tree for `shape` under `work`, making it first unless a matching one is cached. */
export async function ensureScaleDataset(work: string, shape: ScaleShape, log: (msg: string) => void): Promise<ScaleDataset> {
  const dir = join(work, scaleDirFor(shape));
  const markerPath = `${dir}.json`;
  const m = existsSync(markerPath) ? readMarker(markerPath) : undefined;
  if (m && m.version === SCALE_LAYOUT_VERSION && m.files === shape.files && m.dirs === shape.dirs && existsSync(dir)) {
    return { dir, shape, reused: true };
  }
  const tmp = `${dir}.tmp`;
  for (const p of [markerPath, dir, tmp]) removeBig(p);
  const workers = Math.max(1, Math.min(MAX_WORKERS, availableParallelism(), shape.dirs));
  log(`making the scale tree ${dir}: ${shape.files} files in ${shape.dirs} folders (${workers} worker threads)`);
  const started = Date.now();
  mkdirSync(tmp, { recursive: true });
  const per = Math.ceil(shape.dirs / workers);
  const jobs: GenJob[] = [];
  for (let from = 0; from < shape.dirs; from += per) jobs.push({ root: tmp, shape, from, to: Math.min(shape.dirs, from + per) });
  let written: number;
  try {
    written = (await Promise.all(jobs.map(runWorker))).reduce((a, b) => a + b, 0);
  } catch (err) {
    throw new BenchError(`making the scale tree failed: ${messageOf(err)}`);
  }
  if (written !== shape.files) throw new BenchError(`the scale tree has ${written} files, expected ${shape.files}`);
  renameSync(tmp, dir);
  const marker: Marker = { version: SCALE_LAYOUT_VERSION, files: shape.files, dirs: shape.dirs };
  writeFileSync(markerPath, JSON.stringify(marker, null, 2) + '\n');
  log(`made ${written} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { dir, shape, reused: false };
}
