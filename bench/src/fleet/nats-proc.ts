/**
 * The nats-server of `bench:fleet --transport nats`: a real `nats-server -js` on a free
 * loopback port, its configuration written by `coffer controller nats-config` (every
 * enrolled agent's NKey user and permissions, the controller's user, file store in the
 * run's folder), its log in a file, resident memory from /proc/PID/status (VmRSS sampled
 * every 250 ms, VmHWM). Guarantees: `start` resolves once the port accepts connections or
 * rejects with a BenchError within 30 s (the process then killed); `stop` always ends the
 * process (SIGTERM, SIGKILL after 10 s) and is safe to call twice.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitForPort } from '@coffer/test/helpers/sshd.js';
import { BenchError } from '../errors.js';
import { procMemory } from './controller-proc.js';

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
const CONFIG_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;
const SAMPLE_EVERY_MS = 250;

/** The nats-server binary; a BenchError naming the package when missing. */
export function natsServerBin(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  const w = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  if (w.status === 0 && w.stdout.trim() !== '') return w.stdout.trim();
  throw new BenchError('nats-server is not installed; install it (apt-get install nats-server) and run again');
}

/** Waits until the controller's log (`logFile`, read from byte `from`: the file is appended to run after run) says it serves agents over NATS; a BenchError after `timeoutMs`. */
export async function waitForControllerOnNats(logFile: string, from: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readFileSync(logFile).subarray(from).toString('utf8').includes('"serving agents over NATS"')) {
    if (Date.now() > deadline) throw new BenchError(`the controller did not connect to nats-server within ${timeoutMs / 1000} s; see ${logFile}`);
    await sleep(200);
  }
}

/** A nats-server for one run: its port is chosen before the controller starts (which is given its URL). */
export class NatsServerProcess {
  maxSampledRss = 0;
  private child: ChildProcess | undefined;
  private sampler: NodeJS.Timeout | undefined;

  private constructor(
    private readonly bin: string,
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Picks the binary and a free port; nothing runs yet. */
  static async prepare(dir: string): Promise<NatsServerProcess> {
    return new NatsServerProcess(natsServerBin(), await freePort(), dir);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get logFile(): string {
    return join(this.dir, 'nats-server.log');
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** Writes the configuration with `coffer controller nats-config` for the controller data in `controllerData`; resolves with the seconds it took. */
  writeConfig(cofferBin: string, controllerData: string): number {
    const t0 = Date.now();
    const args = [cofferBin, 'controller', 'nats-config', '--data', controllerData, '--out', join(this.dir, 'nats.conf'), '--listen', `127.0.0.1:${this.port}`, '--store-dir', join(this.dir, 'jetstream')];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: CONFIG_TIMEOUT_MS });
    if (r.error) throw new BenchError(`coffer controller nats-config did not finish within ${CONFIG_TIMEOUT_MS / 1000} s (${r.error.message})`);
    if (r.status !== 0) throw new BenchError(`coffer controller nats-config failed (exit ${r.status}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
    return (Date.now() - t0) / 1000;
  }

  /** Starts `nats-server -c nats.conf -js` and waits for its port. */
  async start(): Promise<void> {
    const fd = openSync(this.logFile, 'a');
    const child = spawn(this.bin, ['-c', join(this.dir, 'nats.conf'), '-js'], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.child = child;
    this.sampler = setInterval(() => {
      const rss = this.memory()?.rss ?? 0;
      if (rss > this.maxSampledRss) this.maxSampledRss = rss;
    }, SAMPLE_EVERY_MS);
    if (await waitForPort(this.port, 300)) return;
    await this.stop();
    throw new BenchError(`nats-server did not listen on ${this.port} within 30 s; see ${this.logFile}`);
  }

  /** Current and peak resident memory in bytes (undefined when not running). */
  memory(): { rss: number; hwm: number } | undefined {
    return this.child ? procMemory(this.pid) : undefined;
  }

  /** The last lines of its log (for error messages). */
  tail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-5).join('\n');
    } catch {
      return '';
    }
  }

  /** Kills it at once (SIGKILL), for an interrupted bench. */
  killNow(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    if (await Promise.race([gone.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)])) {
      c.kill('SIGKILL');
      await Promise.race([gone, sleep(STOP_TIMEOUT_MS)]);
    }
  }
}
