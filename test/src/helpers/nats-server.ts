/**
 * A real `nats-server -js` on a random loopback port, with a configuration file (from
 * `coffer controller nats-config`) and its JetStream store in a temporary folder. With
 * CI=true a missing nats-server is a failure; otherwise tests skip with a message.
 * `kill` is SIGKILL (a crash), `start` starts it again on the same port and store,
 * `reload` makes it read its configuration again (SIGHUP). Every wait is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { COFFER_BIN } from './cli.js';
import { freePort, waitForPort } from './sshd.js';

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/** The nats-server binary, or undefined. */
export function natsServerBin(): string | undefined {
  const found = CANDIDATES.find((p) => fs.existsSync(p));
  if (found) return found;
  const w = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  return w.status === 0 ? w.stdout.trim() : undefined;
}

/** Skips (or fails under CI) a suite without nats-server. */
export function requireNatsServer(ctx: Mocha.Context): string {
  const bin = natsServerBin();
  if (bin) return bin;
  if (process.env.CI === 'true') throw new Error('nats-server is missing (CI=true): apt-get install nats-server');
  console.log('    skipped: nats-server is not installed (apt-get install nats-server)');
  ctx.skip();
}

export class NatsServer {
  private proc: ChildProcess | undefined;

  private constructor(
    readonly bin: string,
    readonly port: number,
    readonly configFile: string,
    readonly storeDir: string,
    readonly logFile: string,
  ) {}

  static async prepare(bin: string, root: string): Promise<NatsServer> {
    return new NatsServer(bin, await freePort(), `${root}/nats.conf`, `${root}/jetstream`, `${root}/nats.log`);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const fd = fs.openSync(this.logFile, 'a');
    this.proc = spawn(this.bin, ['-c', this.configFile, '-js'], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    if (await waitForPort(this.port, 400)) return;
    throw new Error(`nats-server did not listen on ${this.port}:\n${fs.readFileSync(this.logFile, 'utf8').slice(-2000)}`);
  }

  reload(): void {
    this.proc?.kill('SIGHUP');
  }

  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await Promise.race([gone, sleep(5000)]);
  }

  log(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').slice(-3000);
    } catch {
      return '';
    }
  }
}

/** Writes the server's configuration for the controller's enrolled agents (`controller nats-config`). */
export function writeNatsConfig(controllerData: string, nats: NatsServer): void {
  const r = spawnSync(process.execPath, [COFFER_BIN, 'controller', 'nats-config', '--data', controllerData, '--out', nats.configFile, '--listen', `127.0.0.1:${nats.port}`, '--store-dir', nats.storeDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`coffer controller nats-config failed (${r.status}): ${r.stderr}`);
}
