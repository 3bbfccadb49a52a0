/**
 * A fleet for end-to-end tests: `coffer controller start` and `coffer agent start` as
 * real child processes on random 127.0.0.1 ports, each with its own data folder and a
 * log file (stdout and stderr together, kept across restarts) that failure messages
 * quote. The controller can be SIGKILLed and restarted on the same ports and data, and
 * so can agents. `ctl(args)` runs `coffer ctl` with COFFER_CONTROLLER, COFFER_CA and
 * COFFER_TOKEN set. Every wait is bounded (a number of polls at an interval).
 * `stop()` ends every process the fleet started, job processes that killed agents left
 * behind included, and is safe to call from `after` whatever state the tests left.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { ControllerServiceClient, Job } from '@coffer/shared/gen/coffer/v1/controller.js';
import { channelCredentials } from '@coffer/shared/pki/index.js';
import { COFFER_BIN, cofferEnv, describeRun, lines, spawnCoffer, tmpDir, type EnvPatch, type RunResult } from './cli.js';
import { freePort } from './sshd.js';
import { lingerProblem, recordLinger } from './linger.js';

/** How many polls a wait makes at the most, and how far apart. */
export interface PollLimit {
  readonly attempts: number;
  readonly intervalMs: number;
}

const START_LIMIT: PollLimit = { attempts: 300, intervalMs: 100 };

/** A `coffer` process writing to a log file, restartable with the same arguments. */
class LoggedProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<void> = Promise.resolve();
  /** Whether the harness signalled the current process. */
  private signalled = false;

  constructor(
    readonly name: string,
    readonly args: readonly string[],
    readonly logFile: string,
    private readonly env: EnvPatch,
  ) {}

  /** Whether the process runs now. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Starts the process (stdout and stderr appended to the log file). */
  spawn(): void {
    assert.ok(!this.running, `${this.name} already runs`);
    fs.appendFileSync(this.logFile, `--- test harness: starting ${this.name}: coffer ${this.args.join(' ')}\n`);
    const fd = fs.openSync(this.logFile, 'a');
    this.signalled = false;
    try {
      // No passphrase in the environment: stores' passphrases come from the controller.
      const child = spawn(process.execPath, [COFFER_BIN, ...this.args], { env: cofferEnv({ COFFER_PASSPHRASE: undefined, ...this.env }), stdio: ['ignore', fd, fd] });
      this.child = child;
      this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
      child.once('exit', (code) => this.checkFailedExit(code));
      child.once('error', (err) => fs.appendFileSync(this.logFile, `--- test harness: cannot start ${this.name}: ${err.message}\n`));
    } finally {
      fs.closeSync(fd);
    }
  }

  /** A process that failed on its own must have done so within seconds of its last line (linger.ts); the log file's time is that line's. */
  private checkFailedExit(code: number | null): void {
    if (code === null || code === 0 || this.signalled) return;
    let lastOutputAt: number | undefined;
    try {
      lastOutputAt = fs.statSync(this.logFile).mtimeMs;
    } catch {
      return;
    }
    const problem = lingerProblem(`${this.name} (coffer ${this.args.join(' ')})`, { startedAt: 0, lastOutputAt, exitedAt: Date.now() });
    if (problem !== undefined) recordLinger(problem);
  }

  /** Sends `signal` and waits (bounded) for the exit; SIGKILL when SIGTERM is not enough. */
  async signal(signal: 'SIGKILL' | 'SIGTERM', limit: PollLimit = { attempts: 100, intervalMs: 100 }): Promise<void> {
    const c = this.child;
    if (!c || !this.running) return;
    fs.appendFileSync(this.logFile, `--- test harness: ${signal} to ${this.name} (pid ${c.pid ?? '?'})\n`);
    this.signalled = true;
    c.kill(signal);
    for (let i = 0; i < limit.attempts && this.running; i++) await sleep(limit.intervalMs);
    if (this.running) {
      c.kill('SIGKILL');
      await Promise.race([this.exit, sleep(5000)]);
    }
    assert.ok(!this.running, `${this.name} (pid ${c.pid ?? '?'}) did not exit after ${signal} and SIGKILL`);
  }

  log(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** How many lines of the log have `"msg":"<msg>"`. */
  count(msg: string): number {
    const needle = `"msg":${JSON.stringify(msg)}`;
    return lines(this.log()).filter((l) => l.includes(needle)).length;
  }

  /** Waits until `count(msg)` exceeds `before`; fails with the log if the process exits or time runs out. */
  async waitForMsg(msg: string, before: number, limit: PollLimit = START_LIMIT): Promise<void> {
    for (let i = 0; i < limit.attempts; i++) {
      if (this.count(msg) > before) return;
      if (!this.running) break;
      await sleep(limit.intervalMs);
    }
    if (this.count(msg) > before) return;
    assert.fail(`${this.name} did not log '${msg}' (${this.running ? 'still running' : 'exited'})\n${tail(this.log())}`);
  }
}

function tail(s: string, n = 4000): string {
  return s.length > n ? `… ${s.slice(-n)}` : s;
}

/** Kills (SIGKILL) every process whose working folder is under `dir`: job processes of killed agents. */
export function killProcessesUnder(dir: string): number {
  let killed = 0;
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cwd: string;
    try {
      cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if (cwd === dir || cwd.startsWith(`${dir}/`)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      } catch {
        // gone meanwhile
      }
    }
  }
  return killed;
}

/** An enrolled agent process. */
export class FleetAgent {
  constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly proc: LoggedProcess,
  ) {}

  /** Starts `coffer agent start` and waits until it is connected to the controller. */
  async start(): Promise<void> {
    const before = this.proc.count('connected to the controller');
    this.proc.spawn();
    await this.proc.waitForMsg('connected to the controller', before);
  }

  /** Waits until the agent has connected once more than `before` times (after a controller restart). */
  async waitConnected(before: number, limit: PollLimit = START_LIMIT): Promise<void> {
    await this.proc.waitForMsg('connected to the controller', before, limit);
  }

  connections(): number {
    return this.proc.count('connected to the controller');
  }

  /** SIGKILL to the agent process alone: its job processes live on, as after a crash of the agent. */
  kill(): Promise<void> {
    return this.proc.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.proc.signal('SIGTERM');
  }

  log(): string {
    return this.proc.log();
  }
}

/** A controller process and the agents enrolled with it. */
export class Fleet {
  readonly agents = new Map<string, FleetAgent>();
  private client: ControllerServiceClient | undefined;

  private constructor(
    readonly root: string,
    readonly dataDir: string,
    readonly grpcPort: number,
    readonly httpPort: number,
    readonly controller: LoggedProcess,
  ) {}

  /** Starts a controller on free loopback ports; `env` adds variables (COFFER_AGENT_LOST_MS …), `extraArgs` flags (--session-idle …). */
  static async start(env: EnvPatch = {}, extraArgs: readonly string[] = []): Promise<Fleet> {
    const root = tmpDir('coffer-fleet-');
    const dataDir = path.join(root, 'controller');
    const grpcPort = await freePort();
    let httpPort = await freePort();
    for (let i = 0; i < 10 && httpPort === grpcPort; i++) httpPort = await freePort();
    const args = ['controller', 'start', '--data', dataDir, '--listen', `127.0.0.1:${grpcPort}`, '--http', `127.0.0.1:${httpPort}`, ...extraArgs];
    const proc = new LoggedProcess('controller', args, path.join(root, 'controller.log'), env);
    const fleet = new Fleet(root, dataDir, grpcPort, httpPort, proc);
    await fleet.startController();
    return fleet;
  }

  get address(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  get caFile(): string {
    return path.join(this.dataDir, 'ca.pem');
  }

  /** The console's origin: HTTPS on the --http port (its certificate is signed by caFile). */
  get consoleUrl(): string {
    return `https://127.0.0.1:${this.httpPort}`;
  }

  get adminToken(): string {
    return fs.readFileSync(path.join(this.dataDir, 'admin.token'), 'utf8').trim();
  }

  /** The environment of an API client with the admin token. */
  clientEnv(): EnvPatch {
    return { COFFER_CONTROLLER: this.address, COFFER_CA: this.caFile, COFFER_TOKEN: this.adminToken };
  }

  /** (Re)starts the controller on the same ports and data; resolves once it listens. */
  async startController(): Promise<void> {
    const before = this.controller.count('controller started');
    this.controller.spawn();
    await this.controller.waitForMsg('controller started', before);
  }

  /** SIGKILL to the controller, as a crash. */
  killController(): Promise<void> {
    return this.controller.signal('SIGKILL');
  }

  /** `coffer ctl ARGS` with the admin token; `env` overrides (a value of undefined removes a variable). */
  async ctl(args: readonly string[], env: EnvPatch = {}): Promise<RunResult> {
    return spawnCoffer(['ctl', ...args], { env: { ...this.clientEnv(), ...env } }).done;
  }

  /** `coffer ctl ARGS` that must exit 0; the failure message has the fleet's logs. */
  async ctlOk(args: readonly string[], env: EnvPatch = {}): Promise<RunResult> {
    const r = await this.ctl(args, env);
    assert.equal(r.code, 0, `expected exit 0\n${describeRun(r)}\n${this.logs()}`);
    return r;
  }

  /** `coffer ctl ARGS --json` parsed. */
  async ctlJson<T>(args: readonly string[]): Promise<T> {
    const r = await this.ctlOk([...args, '--json']);
    return JSON.parse(r.stdout) as T;
  }

  /** Creates an enrollment token and enrolls an agent (not started). */
  async enroll(name: string, opts: { labels?: Record<string, string>; maxJobs?: number; env?: EnvPatch; args?: readonly string[] } = {}): Promise<FleetAgent> {
    const t = await this.ctlOk(['token', 'create']);
    const token = lines(t.stdout).at(-1) ?? '';
    const dataDir = path.join(this.root, `agent-${name}`);
    const labels = Object.entries(opts.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    const maxJobs = opts.maxJobs !== undefined ? ['--max-jobs', String(opts.maxJobs)] : [];
    const r = await spawnCoffer(['agent', 'enroll', '--controller', this.address, '--token', token, '--name', name, '--data', dataDir, ...labels, ...maxJobs, ...(opts.args ?? [])]).done;
    assert.equal(r.code, 0, `enrolling ${name}\n${describeRun(r)}\n${this.logs()}`);
    const agent = new FleetAgent(name, dataDir, new LoggedProcess(`agent ${name}`, ['agent', 'start', '--data', dataDir], path.join(this.root, `agent-${name}.log`), opts.env ?? {}));
    this.agents.set(name, agent);
    return agent;
  }

  /** The last part of every log, for failure messages. */
  logs(n = 3000): string {
    const parts = [this.controller, ...[...this.agents.values()].map((a) => a.proc)].map((p) => `--- ${p.name} log (${p.logFile}):\n${tail(p.log(), n)}`);
    return parts.join('\n');
  }

  /**
   * A job through the API, as `coffer ctl job show ID --json` prints it, from an API
   * client in the test process (polls without starting a ctl process each time, which
   * takes seconds on a machine busy with a backup). Undefined when the call fails.
   */
  async getJob(id: string): Promise<JobView | undefined> {
    const md = new Metadata();
    md.set('authorization', `Bearer ${this.adminToken}`);
    this.client ??= new ControllerServiceClient(this.address, channelCredentials(fs.readFileSync(this.caFile, 'utf8')));
    const client = this.client;
    const job = await new Promise<Job | undefined>((resolve) => {
      client.getJob({ id }, md, { deadline: Date.now() + 10_000 }, (err: ServiceError | null, j: Job) => resolve(err ? undefined : j));
    });
    if (!job) {
      // The controller may be restarting: a new channel next time, without grpc-js's reconnect backoff.
      client.close();
      this.client = undefined;
      return undefined;
    }
    return Job.toJSON(job) as JobView;
  }

  /** Polls the job until `done(job)`; fails with the job and the logs when the limit is reached. */
  async waitJob(id: string, done: (job: JobView) => boolean, limit: PollLimit, what: string): Promise<JobView> {
    let last: JobView | undefined;
    for (let i = 0; i < limit.attempts; i++) {
      const j = await this.getJob(id);
      if (j) {
        last = j;
        if (done(j)) return j;
      }
      await sleep(limit.intervalMs);
    }
    return assert.fail(`${what}: job ${id} did not get there in ${limit.attempts} polls; last seen: ${JSON.stringify(last)}\n${this.logs()}`);
  }

  /** Ends every process: agents, then the controller, then any job process left behind. */
  async stop(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    for (const a of this.agents.values()) await a.stop().catch(() => undefined);
    await this.controller.signal('SIGTERM').catch(() => undefined);
    killProcessesUnder(this.root);
  }
}

/** A job as `coffer ctl job show --json` prints it (protobuf JSON: enums as names, int64 as numbers). */
export interface JobView {
  readonly id: string;
  readonly kind?: string;
  readonly state?: string;
  readonly agent?: string;
  readonly attempt?: number;
  readonly maxAttempts?: number;
  readonly startedMs?: number;
  readonly finishedMs?: number;
  readonly schedule?: string;
  readonly progress?: { readonly phase?: string; readonly bytes?: number; readonly totalBytes?: number; readonly files?: number };
  readonly result?: { readonly ok?: boolean; readonly error?: string; readonly retryable?: boolean; readonly snapshot?: { readonly id?: string } };
  readonly history?: readonly { readonly state?: string; readonly message?: string; readonly timeMs?: number }[];
}

/** The final states of a job, as JSON names. */
export const FINAL = new Set(['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED']);
