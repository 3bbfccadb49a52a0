/**
 * Entry point of `npm run bench:fleet`: for each fleet size, a fresh controller process
 * and that many simulated agents in 1-3 worker processes (fleet-run.ts), then one
 * report (fleet-report.ts). Checks first that the open-file limit allows one socket per
 * agent in the controller and in each worker. Exit 0 when every run completed (targets
 * missed are reported, not failures); non-zero with one line on stderr otherwise.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError, messageOf } from '../errors.js';
import { FLEET_USAGE, parseFleetOptions } from './fleet-args.js';
import { renderFleetReport } from './fleet-report.js';
import { runFleet, type FleetResult } from './fleet-run.js';
import { dropTlsIpWarning } from './ipc.js';

/** File descriptors a process needs besides its sockets (modules, SQLite, pipes, enrollment channels). */
const FD_MARGIN = 256;

function log(msg: string): void {
  process.stderr.write(`bench:fleet: ${msg}\n`);
}

/** The soft limit on open files, from /proc (undefined when unreadable). */
function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m?.[1] === 'unlimited' ? Infinity : Number(m?.[1]);
  } catch {
    return undefined;
  }
}

function checkFdLimit(agents: number, workers: number, transport: 'grpc' | 'nats'): string {
  const need = agents + FD_MARGIN;
  const hub = transport === 'nats' ? 'nats-server' : 'the controller';
  const have = openFileLimit();
  if (have !== undefined && have < need) {
    throw new BenchError(`the open-file limit is ${have}; ${agents} agents need about ${need} in ${hub} (one socket per agent) and ${Math.ceil(agents / workers) + FD_MARGIN} per worker: raise it with 'ulimit -n ${need}' and run again`);
  }
  return `open-file limit ${have ?? 'unknown'} (${hub} needs about ${need}, each worker ${Math.ceil(agents / workers) + FD_MARGIN})`;
}

async function main(): Promise<void> {
  dropTlsIpWarning();
  const opts = parseFleetOptions(process.argv.slice(2));
  if (opts.help) {
    console.log(FLEET_USAGE);
    return;
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const outDir = join(root, 'bench', 'work', 'fleet');
  log(checkFdLimit(Math.max(...opts.agents), opts.workers, opts.transport));
  const cofferBin = resolve(opts.cofferBin ?? join(root, 'bin', 'coffer.js'));
  if (!existsSync(cofferBin)) throw new BenchError(`${cofferBin} does not exist`);
  const started = Date.now();
  const results: FleetResult[] = [];
  for (const agents of opts.agents) {
    results.push(await runFleet({ ...opts, agents, cofferBin, outDir }, log));
  }
  const cpu = cpus();
  const header = [
    `Coffer fleet benchmark, ${new Date().toISOString()} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
    `machine: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; node ${process.version}; load average ${loadavg()[0]?.toFixed(2)} at the end`,
    `controller ${cofferBin}, ${opts.workers} agent worker process(es)${opts.transport === 'nats' ? ', one nats-server -js (JetStream file store)' : ''} and this harness share the machine; everything on 127.0.0.1`,
    opts.transport === 'nats' ? 'transport: NATS (each agent its own NATS connection with its own NKey and its own durable pull consumer; the controller one connection)' : 'transport: gRPC (each agent its own mutual-TLS Connect stream)',
    `paced load: ${opts.pacedJobs} backups at ${opts.pacedRate}/s; burst: ${opts.burstJobs} backups, ${opts.inflight} RunJob calls in flight; agents answer at once (max_jobs ${opts.maxJobs})`,
    `dispatch latency: from just before the RunJob API call to the agent receiving RunJob ${opts.transport === 'nats' ? 'from its consumer' : 'on its stream'}`,
  ].join('\n');
  console.log(renderFleetReport(results, header));
  if (opts.json !== undefined) {
    writeFileSync(resolve(opts.json), JSON.stringify({ options: opts, results }, null, 2) + '\n');
    log(`raw results written to ${resolve(opts.json)}`);
  }
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:fleet: error: ${messageOf(err)}\n`);
  process.exitCode = err instanceof BenchError ? err.exitCode : 1;
}
