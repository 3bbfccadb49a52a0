/**
 * One fleet run at a given size: a fresh controller process, its catalog provisioned
 * through the API, the agents enrolled and connected from the simulation workers, the
 * paced load then the burst load, the jobs' final states read back from the API, the
 * controller's /metrics and memory read, and (optionally) its CPU profile broken down
 * by phase. Everything is stopped on every exit path; each wait has a time limit.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import { BenchError } from '../errors.js';
import { FleetApi } from './api.js';
import type { FleetOptions } from './fleet-args.js';
import { ControllerProcess } from './controller-proc.js';
import { profileWindows, type WindowProfile } from './cpu-profile.js';
import { nowMs, type LoopLag } from './ipc.js';
import { burstLoad, pacedLoad, type LoadResult } from './load.js';
import * as prom from './prom.js';
import { layout, provisionSources, provisionStores } from './provision.js';
import { percentiles, type Percentiles } from './stats.js';
import { WorkerPool } from './worker-pool.js';
import { onInterrupt } from './interrupt.js';
import { NatsServerProcess, waitForControllerOnNats } from './nats-proc.js';

/** Settings of one run: the options, for one fleet size, with the controller to run and where its log and profile go. */
export interface RunSettings extends Omit<FleetOptions, 'agents' | 'cofferBin' | 'json' | 'help'> {
  readonly agents: number;
  /** Path of bin/coffer.js. */
  readonly cofferBin: string;
  /** Folder for logs and profiles of this run. */
  readonly outDir: string;
}

/** The controller's own view, from /metrics. */
export interface MetricsView {
  readonly connectedIdle: number | undefined;
  readonly connectedEnd: number | undefined;
  readonly pacedP50S: number | undefined;
  readonly pacedP99S: number | undefined;
  readonly burstP50S: number | undefined;
  readonly burstP99S: number | undefined;
  readonly dispatched: number;
  readonly rssBytes: number | undefined;
  /** V8 heap in use, and memory outside it that V8 knows of (buffers), after the connections. */
  readonly heapUsedIdle: number | undefined;
  readonly externalIdle: number | undefined;
}

/** What one run measured. */
export interface FleetResult {
  readonly agents: number;
  readonly enrolled: number;
  readonly connected: number;
  readonly connectFailures: readonly string[];
  readonly lost: number;
  readonly enrollS: number;
  readonly enrollEach: Percentiles;
  readonly connectS: number;
  readonly paced: LoadResult;
  readonly burst: LoadResult;
  readonly succeeded: number;
  readonly notSucceeded: number;
  readonly metrics: MetricsView;
  readonly rssIdleMiB: number;
  readonly rssPeakMiB: number;
  readonly profile: WindowProfile[] | undefined;
  readonly controllerLog: string;
  /** The simulation workers' event-loop delay during the paced and the burst load (the worst worker). */
  readonly simLag: { readonly paced: LoopLag; readonly burst: LoopLag };
  readonly transport: 'grpc' | 'nats';
  /** NATS only: seconds `coffer controller nats-config` took, and nats-server's resident memory after connecting and at its peak. */
  readonly nats?: { readonly configS: number; readonly rssIdleMiB: number; readonly rssPeakMiB: number };
}

const MiB = 2 ** 20;
const LATENCY = 'coffer_dispatch_latency_seconds';
/** Time limits of the enrollment and connection phases (10,000 agents on 2 cores take minutes). */
const ENROLL_TIMEOUT_MS = 900_000;
const CONNECT_TIMEOUT_MS = 600_000;

/** Runs the fleet at `s.agents` agents; `log` narrates. */
export async function runFleet(s: RunSettings, log: (msg: string) => void): Promise<FleetResult> {
  mkdirSync(s.outDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), `coffer-bench-fleet-${s.agents}-`));
  const profDir = s.profile ? mkdtempSync(join(s.outDir, 'cpuprof-')) : undefined;
  const logFile = join(s.outDir, `controller-${s.agents}.log`);
  const spawnedAt = Date.now();
  const logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
  const nats = s.transport === 'nats' ? await NatsServerProcess.prepare(dataDir) : undefined;
  const extraArgs = nats ? ['--nats', nats.url] : [];
  const ctl = await ControllerProcess.start({ cofferBin: s.cofferBin, dataDir: join(dataDir, 'controller'), logFile, cpuProfDir: profDir, extraArgs }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const api = new FleetApi(ctl.grpcAddress, ctl.caPem, ctl.adminToken);
  const pool = WorkerPool.start(s.workers);
  const unregister = onInterrupt(() => {
    pool.killNow();
    nats?.killNow();
    ctl.killNow();
  });
  let profileFile: string | undefined;
  try {
    log(`[${s.agents}] controller pid ${ctl.pid} on ${ctl.grpcAddress}; ${s.workers} simulation workers; log ${logFile}`);
    const f = layout(s.agents);
    const tickets = await provisionStores(api, f, s.maxJobs);

    const e0 = nowMs();
    const enrolled = await pool.enroll(ctl.grpcAddress, ctl.caPem, tickets, s.enrollConcurrency, ENROLL_TIMEOUT_MS, s.transport);
    const e1 = nowMs();
    const failed = enrolled.filter((r) => r.error !== undefined);
    if (failed.length > 0) throw new BenchError(`${failed.length} of ${s.agents} enrollments failed, e.g. ${failed[0]?.name}: ${failed[0]?.error}`);
    log(`[${s.agents}] enrolled in ${((e1 - e0) / 1000).toFixed(1)} s`);
    await provisionSources(api, f);
    let configS = 0;
    if (nats) {
      configS = nats.writeConfig(s.cofferBin, ctl.dataDir);
      await nats.start();
      await waitForControllerOnNats(logFile, logFrom, 60_000);
      log(`[${s.agents}] nats-server pid ${nats.pid} on ${nats.url} (nats-config with ${s.agents} agents took ${configS.toFixed(1)} s); log ${nats.logFile}`);
    }

    const c0 = nowMs();
    const { connected, failures } = await pool.connect(s.connectConcurrency, s.maxJobs, CONNECT_TIMEOUT_MS);
    const c1 = nowMs();
    const why = failures.map((x) => `${x.name}: ${x.why}`);
    log(`[${s.agents}] ${connected} connected in ${((c1 - c0) / 1000).toFixed(1)} s${why.length ? `; ${why.length} failed, e.g. ${why[0]}` : ''}`);
    const down = new Set(failures.map((x) => x.name));
    const usable = f.agents.flatMap((name, i) => (down.has(name) ? [] : [i]));
    if (usable.length === 0) throw new BenchError(`no agent connected, e.g. ${why[0]}`);
    await sleep(1000);
    const mIdle = await ctl.http('/metrics');
    const rssIdle = ctl.memory()?.rss ?? 0;
    const natsIdle = nats?.memory()?.rss ?? 0;

    pool.lagStart();
    const paced = await pacedLoad(api, pool, f, usable, s.pacedJobs, s.pacedRate, 60_000);
    const pacedLag = await pool.lagRead();
    const mPaced = await ctl.http('/metrics');
    log(`[${s.agents}] paced: ${paced.jobs} jobs, dispatch p50 ${paced.latency.p50.toFixed(1)} ms, p99 ${paced.latency.p99.toFixed(1)} ms`);
    pool.lagStart();
    const burst = await burstLoad(api, pool, f, usable, s.burstJobs, s.inflight, 180_000);
    const burstLag = await pool.lagRead();
    const mEnd = await ctl.http('/metrics');
    log(`[${s.agents}] burst: ${burst.jobs} jobs in ${burst.completeS.toFixed(1)} s (${burst.jobsPerS.toFixed(0)} jobs/s), dispatch p50 ${burst.latency.p50.toFixed(0)} ms, p99 ${burst.latency.p99.toFixed(0)} ms`);

    const jobs = await api.listJobs([], 10_000);
    const succeeded = jobs.filter((j) => j.state === JobState.JOB_STATE_SUCCEEDED).length;
    const mem = ctl.memory();
    const natsMem = nats?.memory();
    const [h0, h1, h2] = [prom.histogram(mIdle, LATENCY), prom.histogram(mPaced, LATENCY), prom.histogram(mEnd, LATENCY)];
    const pacedH = prom.diff(h1, h0);
    const burstH = prom.diff(h2, h1);
    const metrics: MetricsView = {
      connectedIdle: prom.gauge(mIdle, 'coffer_agents_connected'),
      connectedEnd: prom.gauge(mEnd, 'coffer_agents_connected'),
      pacedP50S: prom.quantile(pacedH, 0.5),
      pacedP99S: prom.quantile(pacedH, 0.99),
      burstP50S: prom.quantile(burstH, 0.5),
      burstP99S: prom.quantile(burstH, 0.99),
      dispatched: prom.count(h2),
      rssBytes: prom.gauge(mEnd, 'coffer_controller_process_resident_memory_bytes'),
      heapUsedIdle: prom.gauge(mIdle, 'coffer_controller_nodejs_heap_size_used_bytes'),
      externalIdle: prom.gauge(mIdle, 'coffer_controller_nodejs_external_memory_bytes'),
    };
    await pool.stop();
    profileFile = await ctl.stop();
    await nats?.stop();
    const windows = [
      { label: `enrollment of ${s.agents} agents`, fromMs: e0, toMs: e1 },
      { label: `connection of ${s.agents} agents`, fromMs: c0, toMs: c1 },
      { label: `paced load (${paced.jobs} jobs at ${s.pacedRate}/s)`, fromMs: paced.fromMs, toMs: paced.toMs },
      { label: `burst load (${burst.jobs} jobs, ${s.inflight} RunJob calls in flight)`, fromMs: burst.fromMs, toMs: burst.toMs },
    ];
    return {
      agents: s.agents,
      enrolled: enrolled.length,
      connected,
      connectFailures: why,
      lost: pool.lost.length,
      enrollS: (e1 - e0) / 1000,
      enrollEach: percentiles(enrolled.map((r) => r.ms)),
      connectS: (c1 - c0) / 1000,
      paced,
      burst,
      succeeded,
      notSucceeded: jobs.length - succeeded,
      metrics,
      rssIdleMiB: rssIdle / MiB,
      rssPeakMiB: Math.max(mem?.hwm ?? 0, ctl.maxSampledRss) / MiB,
      profile: profileFile === undefined ? undefined : profileWindows(profileFile, spawnedAt, windows),
      controllerLog: logFile,
      simLag: { paced: pacedLag, burst: burstLag },
      transport: s.transport,
      ...(nats ? { nats: { configS, rssIdleMiB: natsIdle / MiB, rssPeakMiB: Math.max(natsMem?.hwm ?? 0, nats.maxSampledRss) / MiB } } : {}),
    };
  } finally {
    api.close();
    await pool.stop();
    await ctl.stop();
    await nats?.stop();
    unregister();
    if (!s.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}
