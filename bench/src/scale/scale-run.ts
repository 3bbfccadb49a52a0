/**
 * One scale run of one tool on the cached tree: fresh store, then the timed steps
 * create → initial backup → no-change backup → ls --recursive of the latest snapshot →
 * restore into an empty folder, each under /usr/bin/time -v (wall time, peak RSS), the
 * restore verified (scale-verify.ts) and removed, then the store removed. The tree is
 * backed up in place (it is never changed). Dirty pages are flushed (untimed) before
 * every step.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { syncDisks } from '../fsutil.js';
import { local } from '../location.js';
import { runTimed, type Invocation, type Sample } from '../measure.js';
import type { Tool } from '../tools.js';
import { removeBig, type ScaleDataset } from './scale-dataset.js';
import type { ScaleRun, ScaleStep } from './scale-summary.js';
import { verifyScaleRestore } from './scale-verify.js';

/** Runs every scale step for `tool` on `ds`. */
export async function runScaleOnce(tool: Tool, ds: ScaleDataset, work: string, rep: number, log: (msg: string) => void): Promise<ScaleRun> {
  const name = tool.name;
  const storePath = join(work, `scale-${name}-store`);
  const target = join(work, `scale-restore-${name}`);
  const logs = join(work, 'logs');
  const store = local(storePath);
  const src = local(ds.dir);
  const tag = `[${name} scale rep ${rep}]`;
  for (const dir of [storePath, target, ...tool.stateDirs]) removeBig(dir);
  mkdirSync(logs, { recursive: true });

  const step = async (s: ScaleStep, inv: Invocation): Promise<Sample> => {
    syncDisks();
    const sample = await runTimed(`${name} scale ${s}`, inv, join(logs, `scale-${name}-r${rep}-${s}.log`));
    log(`${tag} ${s.padEnd(8)} ${sample.wallS.toFixed(2).padStart(8)} s  ${sample.maxRssMiB.toFixed(0).padStart(6)} MiB RSS`);
    return sample;
  };

  const create = await step('create', tool.create(store));
  const initial = await step('initial', tool.backup(store, src));
  const nochange = await step('nochange', tool.backup(store, src));
  const ls = await step('ls', tool.lsRecursive(store));
  mkdirSync(target);
  const restore = await step('restore', tool.restore(store, target));
  const started = Date.now();
  const check = verifyScaleRestore(name, ds.dir, target, ds.shape, { mtimePrecisionNs: tool.mtimePrecisionNs, owners: process.getuid?.() === 0 });
  log(`${tag} restore verified in ${((Date.now() - started) / 1000).toFixed(1)} s: ${check.dirs} folders, ${check.files} files by name; ${check.contentChecked} files by content and metadata`);
  removeBig(target);
  removeBig(storePath);
  return { tool: name, rep, steps: { create, initial, nochange, ls, restore }, check };
}
