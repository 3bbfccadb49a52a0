/**
 * Entry point of `npm run bench`: records the machine's load and the heavy processes
 * beside it, builds (or reuses) the deterministic dataset, starts the loopback SFTP
 * server when a selected scenario needs it, runs every selected tool through the same
 * steps on identical copies in every selected scenario, --reps times, alternating,
 * verifies each restore and prints the best of each tool against each scenario's targets
 * (or, with --scale, the scale case: scale/scale-main.ts). Exit 0 when every run
 * completed and every restore matched; non-zero with one line on stderr otherwise. The
 * SFTP server and the running step are stopped on every exit path, SIGINT and SIGTERM
 * included.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, parseOptions, type Options } from './args.js';
import { makeBackend } from './backends.js';
import { ensureDataset } from './dataset.js';
import { BenchError, messageOf } from './errors.js';
import { loadSnapshot, loadText, type LoadSnapshot } from './loadavg.js';
import { machineInfo } from './machine.js';
import { killRunningSteps, requireTime } from './measure.js';
import { renderReport, type Section } from './report.js';
import { runScaleBench } from './scale/scale-main.js';
import { runScenario, type ToolRun } from './scenario.js';
import { sftpPreflight, startSftpServer, type SftpServer } from './sftp-server.js';
import { summarize } from './summary.js';
import { makeTool, type Tool } from './tools.js';
import { withholdReason } from './verdict.js';

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

/** On SIGINT or SIGTERM: kills the running step, runs `cleanup`, exits 128 + signal number. */
function stopOnSignals(cleanup: () => Promise<void>): void {
  const codes = { SIGINT: 130, SIGTERM: 143 } as const;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      killRunningSteps();
      void cleanup().finally(() => process.exit(codes[sig]));
    });
  }
}

/** Logs the load and the heavy processes of `snap`. */
function logLoad(when: string, snap: LoadSnapshot): void {
  log(`load average ${when}: ${loadText(snap.load)}`);
  for (const h of snap.heavy) log(`warning: heavy process beside the benchmark: ${h}`);
}

/** The dataset benchmark: every selected scenario, every tool, --reps times. */
async function runDatasetBench(opts: Options, tools: readonly Tool[], work: string, before: LoadSnapshot, withheld: string | undefined): Promise<void> {
  const needsServer = opts.backends.some((b) => b !== 'local');
  if (needsServer) sftpPreflight();
  const ds = ensureDataset(work, opts.size, log);
  log(`dataset ${ds.dir}: ${ds.files} files, ${(ds.bytes / 1e6).toFixed(1)} MB${ds.reused ? ' (reused)' : ''}`);

  let server: SftpServer | undefined;
  stopOnSignals(async () => {
    await server?.stop();
  });
  try {
    if (needsServer) {
      server = await startSftpServer();
      log(`sshd listening on ${server.host}:${server.port} (${server.version})`);
    }
    const machine = machineInfo(work, tools, server);
    log(`${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB; node ${machine.node}`);

    const runs: ToolRun[] = [];
    const sections: Section[] = [];
    for (const name of opts.backends) {
      const backend = makeBackend(name, server);
      const mine: ToolRun[] = [];
      for (let rep = 1; rep <= opts.reps; rep++) {
        const order = rep % 2 === 1 ? tools : [...tools].reverse();
        for (const tool of order) mine.push(await runScenario(tool, backend, ds, work, rep, log));
      }
      runs.push(...mine);
      sections.push({ backend, summary: summarize(opts.tools, mine, backend.targets, withheld) });
    }
    const after = loadSnapshot();
    logLoad('at the end', after);

    console.log(renderReport(sections, machine, ds, runs[0]?.modifiedBytes, { before, after, withheld }));
    if (opts.json !== undefined) {
      const file = resolve(opts.json);
      const summaries = sections.map((s) => ({ backend: s.backend.name, title: s.backend.title, howTools: s.backend.howTools, summary: s.summary }));
      writeFileSync(file, JSON.stringify({ machine, load: { before, after, withheld }, dataset: ds, options: opts, runs, sections: summaries }, null, 2) + '\n');
      log(`raw results written to ${file}`);
    }
  } finally {
    await server?.stop();
  }
}

async function main(): Promise<void> {
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

  const before = loadSnapshot();
  logLoad('at the start', before);
  const withheld = withholdReason(before.load.one, opts.reps);
  if (withheld !== undefined) log(`no target will be called met: ${withheld}`);
  if (opts.scale) {
    stopOnSignals(async () => {});
    await runScaleBench(opts, tools, work, before, withheld, log);
  } else {
    await runDatasetBench(opts, tools, work, before, withheld);
  }
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench: error: ${messageOf(err)}\n`);
  process.exitCode = err instanceof BenchError ? err.exitCode : 1;
}
