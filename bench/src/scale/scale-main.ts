/**
 * `npm run bench -- --scale`: makes (or reuses) the scale tree, runs every selected tool
 * on it --reps times, alternating (coffer, restic, restic, coffer, …), and prints the
 * report; `--json FILE` also writes the raw runs and the summary.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Options } from '../args.js';
import { loadSnapshot, type LoadSnapshot } from '../loadavg.js';
import { machineInfo } from '../machine.js';
import type { Tool } from '../tools.js';
import { ensureScaleDataset } from './scale-dataset.js';
import { renderScaleReport } from './scale-report.js';
import { runScaleOnce } from './scale-run.js';
import { summarizeScale, type ScaleRun } from './scale-summary.js';

/** Runs the scale case; `before` is the machine's state at the start, `withheld` why no target may be called met. */
export async function runScaleBench(opts: Options, tools: readonly Tool[], work: string, before: LoadSnapshot, withheld: string | undefined, log: (msg: string) => void): Promise<void> {
  const ds = await ensureScaleDataset(work, { files: opts.scaleFiles, dirs: opts.scaleDirs }, log);
  log(`scale tree ${ds.dir}: ${ds.shape.files} files in ${ds.shape.dirs} folders${ds.reused ? ' (reused)' : ''}`);
  const machine = machineInfo(work, tools, undefined);
  const runs: ScaleRun[] = [];
  for (let rep = 1; rep <= opts.reps; rep++) {
    const order = rep % 2 === 1 ? tools : [...tools].reverse();
    for (const tool of order) runs.push(await runScaleOnce(tool, ds, work, rep, log));
  }
  const after = loadSnapshot();
  const summary = summarizeScale(opts.tools, runs, withheld);
  const checked = runs.reduce((n, r) => n + r.check.contentChecked, 0);
  const verified = `${runs.length} restores, each: every folder and file name (count), folder metadata, and a sample by content and metadata (${checked} files in all)`;
  console.log(renderScaleReport(summary, ds.shape, machine, { before, after }, verified));
  if (opts.json !== undefined) {
    const file = resolve(opts.json);
    writeFileSync(file, JSON.stringify({ machine, options: opts, load: { before, after, withheld }, shape: ds.shape, runs, summary }, null, 2) + '\n');
    log(`raw results written to ${file}`);
  }
}
