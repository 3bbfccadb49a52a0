/**
 * Entry point of `npm run bench`: builds (or reuses) the deterministic dataset, runs
 * every selected tool through the same steps on identical copies, verifies each restore
 * and prints coffer/restic ratios against the targets. Exit 0 when every run completed
 * and every restore matched; non-zero with one line on stderr otherwise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, parseOptions } from './args.js';
import { ensureDataset } from './dataset.js';
import { BenchError, messageOf } from './errors.js';
import { machineInfo } from './machine.js';
import { requireTime } from './measure.js';
import { renderReport, summarize } from './report.js';
import { runScenario, type ToolRun } from './scenario.js';
import { makeTool } from './tools.js';

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

function main(): void {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const work = join(root, 'bench', 'work');
  mkdirSync(work, { recursive: true });
  requireTime();
  const tools = opts.tools.map((name) => makeTool(name, { root, work }));
  for (const t of tools) t.preflight();

  const machine = machineInfo(work, tools);
  log(`${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB; node ${machine.node}`);
  const ds = ensureDataset(work, opts.size, log);
  log(`dataset ${ds.dir}: ${ds.files} files, ${(ds.bytes / 1e6).toFixed(1)} MB${ds.reused ? ' (reused)' : ''}`);

  const runs: ToolRun[] = [];
  for (let rep = 1; rep <= opts.reps; rep++) {
    const order = rep % 2 === 1 ? tools : [...tools].reverse();
    for (const tool of order) runs.push(runScenario(tool, ds, work, rep, log));
  }

  const summary = summarize(opts.tools, runs);
  console.log(renderReport(summary, machine, ds, runs[0]?.modifiedBytes));
  if (opts.json !== undefined) {
    const file = resolve(opts.json);
    writeFileSync(file, JSON.stringify({ machine, dataset: ds, options: opts, runs, summary }, null, 2) + '\n');
    log(`raw results written to ${file}`);
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`bench: error: ${messageOf(err)}\n`);
  process.exitCode = err instanceof BenchError ? err.exitCode : 1;
}
