/**
 * The controller under test, as its own process (`node bin/coffer.js controller start`)
 * so its memory is measured alone: free loopback ports, a fresh data folder, its JSON
 * log in a file, readiness from GET /healthz, resident memory from /proc/PID/status
 * (VmRSS sampled, VmHWM for the peak), /metrics as text, optional CPU profile
 * (`node --cpu-prof`, written when it exits after SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@coffer/test/helpers/sshd.js';
import { BenchError } from '../errors.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;
const SAMPLE_EVERY_MS = 250;

/** Options of {@link startControllerProcess}. */
export interface ControllerProcessOptions {
  /** Path of bin/coffer.js. */
  readonly cofferBin: string;
  readonly dataDir: string;
  /** The controller's log (stdout and stderr). */
  readonly logFile: string;
  /** Folder for a CPU profile, or undefined for none. */
  readonly cpuProfDir: string | undefined;
  /** More arguments of `controller start` (e.g. `--nats URL`). */
  readonly extraArgs?: readonly string[];
}

/** Current and peak resident memory of process `pid` in bytes, from /proc/PID/status (undefined once it exited). */
export function procMemory(pid: number): { rss: number; hwm: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** A running controller process. */
export class ControllerProcess {
  /** Highest VmRSS sampled, in bytes. */
  maxSampledRss = 0;
  private readonly sampler: NodeJS.Timeout;
  private exited: Promise<void>;
  /** When it exited (wall clock), to place profile samples in time. */
  exitedAtMs = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly grpcAddress: string,
    readonly httpPort: number,
    readonly dataDir: string,
    private readonly opts: ControllerProcessOptions,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => {
      this.exitedAtMs = Date.now();
      resolve();
    }));
    this.sampler = setInterval(() => {
      const rss = this.memory()?.rss ?? 0;
      if (rss > this.maxSampledRss) this.maxSampledRss = rss;
    }, SAMPLE_EVERY_MS);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get caPem(): string {
    return readFileSync(join(this.dataDir, 'ca.pem'), 'utf8');
  }

  get adminToken(): string {
    return readFileSync(join(this.dataDir, 'admin.token'), 'utf8').trim();
  }

  /** Current and peak resident memory in bytes, from /proc (undefined once it exited). */
  memory(): { rss: number; hwm: number } | undefined {
    return procMemory(this.pid);
  }

  /** Kills it at once (SIGKILL), for an interrupted bench. */
  killNow(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** GET `path` on the controller's HTTP port. */
  async http(path: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.httpPort}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new BenchError(`GET ${path} on the controller answered ${res.status}`);
    return res.text();
  }

  /** Stops it with SIGTERM (SIGKILL after 20 s); returns the CPU profile file when one was asked for. */
  async stop(): Promise<string | undefined> {
    clearInterval(this.sampler);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killed = await Promise.race([this.exited.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
      if (killed) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    const dir = this.opts.cpuProfDir;
    if (dir === undefined) return undefined;
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    return file === undefined ? undefined : join(dir, file);
  }

  /** Starts the controller and waits until /healthz answers. */
  static async start(opts: ControllerProcessOptions): Promise<ControllerProcess> {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const log = openSync(opts.logFile, 'a');
    const prof = opts.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`];
    const args = [...prof, opts.cofferBin, 'controller', 'start', '--data', opts.dataDir, '--listen', `127.0.0.1:${grpcPort}`, '--http', `127.0.0.1:${httpPort}`, ...(opts.extraArgs ?? [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], env: { ...process.env, COFFER_LOG_LEVEL: process.env.COFFER_LOG_LEVEL ?? 'info' } });
    closeSync(log);
    const c = new ControllerProcess(child, `127.0.0.1:${grpcPort}`, httpPort, opts.dataDir, opts);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new BenchError(`the controller exited at start; see ${opts.logFile}`);
      try {
        await c.http('/healthz');
        return c;
      } catch {
        if (Date.now() > deadline) {
          await c.stop();
          throw new BenchError(`the controller did not answer /healthz within ${READY_TIMEOUT_MS / 1000} s; see ${opts.logFile}`);
        }
        await sleep(100);
      }
    }
  }
}
