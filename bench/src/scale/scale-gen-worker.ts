/**
 * Worker thread of the scale tree's generator: creates folders [from, to) of the layout
 * (scale-layout.ts) under `root` with synchronous calls in a tight loop, then posts the
 * number of files it wrote. Two of them keep both cores busy while the tree is made.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { scaleContent, scaleDirName, scaleFileName, scaleFilesIn, type ScaleShape } from './scale-layout.js';

/** What the generator hands each worker. */
export interface GenJob {
  readonly root: string;
  readonly shape: ScaleShape;
  readonly from: number;
  readonly to: number;
}

const job = workerData as GenJob;
let written = 0;
for (let d = job.from; d < job.to; d++) {
  const dir = join(job.root, scaleDirName(d));
  mkdirSync(dir);
  for (const i of scaleFilesIn(d, job.shape)) {
    writeFileSync(join(dir, scaleFileName(i)), scaleContent(i));
    written++;
  }
}
parentPort?.postMessage(written);
