/**
 * The store bench:ui reads: a source with `big/` (N small files in one folder) and
 * `data/` (incompressible files, deterministic bytes, summing to the asked size), backed up
 * once with the real CLI into a store under the work folder. Kept between runs: a store
 * whose recorded parameters match is reused (making it takes minutes on a small machine).
 */
import fs from 'node:fs';
import path from 'node:path';
import { backupJson, createStore } from '@coffer/test/helpers/cli.js';
import { writeRandomFile } from '../randbytes.js';

export interface UiDataset {
  readonly store: string;
  readonly src: string;
  readonly snapshot: string;
  readonly entries: number;
  readonly dataBytes: number;
  /** Whether it was made in this run (else reused). */
  readonly made: boolean;
}

const FILE_MB = 25;

function makeSource(src: string, entries: number, dataBytes: number): void {
  const big = path.join(src, 'big');
  const data = path.join(src, 'data');
  fs.mkdirSync(big, { recursive: true });
  fs.mkdirSync(data, { recursive: true });
  for (let i = 0; i < entries; i++) fs.writeFileSync(path.join(big, `file-${String(i).padStart(7, '0')}.txt`), `entry ${i}\n`);
  const per = FILE_MB * 1_000_000;
  for (let i = 0, left = dataBytes; left > 0; i++, left -= per) writeRandomFile(path.join(data, `part-${String(i).padStart(3, '0')}.bin`), `bench-ui data ${i}`, Math.min(per, left));
}

/** The dataset in `work` for these parameters, made when missing. */
export function uiDataset(work: string, entries: number, dataMb: number, log: (m: string) => void): UiDataset {
  const params = path.join(work, 'params.json');
  const dataBytes = dataMb * 1_000_000;
  const want = { entries, dataBytes, version: 1 };
  try {
    const had = JSON.parse(fs.readFileSync(params, 'utf8')) as typeof want & { snapshot: string };
    if (had.entries === entries && had.dataBytes === dataBytes && had.version === 1) {
      return { store: path.join(work, 'store'), src: path.join(work, 'src'), snapshot: had.snapshot, entries, dataBytes, made: false };
    }
  } catch {
    // none yet, or unreadable: make it again
  }
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const src = path.join(work, 'src');
  const store = path.join(work, 'store');
  log(`making the source: ${entries} entries in big/, ${dataMb} MB in data/`);
  makeSource(src, entries, dataBytes);
  log('creating the store and backing up (a few minutes on 2 cores)');
  createStore(store);
  const snapshot = backupJson(store, src).id;
  fs.writeFileSync(params, JSON.stringify({ ...want, snapshot }) + '\n');
  return { store, src, snapshot, entries, dataBytes, made: true };
}
