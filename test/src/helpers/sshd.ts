/**
 * A real OpenSSH server for tests: `sshd` on a random 127.0.0.1 port with its own
 * host key, config and authorized client key, started per suite and stopped after.
 * In CI (CI=true) a missing sshd is a failure, never a skip.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A running test server. */
export interface TestSshd {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Private key file the server accepts. */
  readonly clientKey: string;
  /** A known_hosts file with the server's host key for `[127.0.0.1]:port`. */
  readonly knownHosts: string;
  /** The server's host public key line (type and base64). */
  readonly hostKeyLine: string;
  /** Folder with the server's files. */
  readonly dir: string;
  /** Kills the server and every connection it serves (as a crash would); start() brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

/** Whether sshd is installed. */
export function haveSshd(): boolean {
  return fs.existsSync(SSHD);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitForPort(port: number, attempts = 200): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** Starts sshd; throws when it cannot be installed or started. */
export async function startSshd(): Promise<TestSshd> {
  if (!haveSshd()) throw new Error(`${SSHD} is missing: install Debian's openssh-server (npm test does this)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-sshd-'));
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync('/run/sshd', { recursive: true });
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey, '-C', 'coffer-test-host']);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey, '-C', 'coffer-test-client']);
  fs.copyFileSync(`${clientKey}.pub`, path.join(dir, 'authorized_keys'));
  fs.chmodSync(path.join(dir, 'authorized_keys'), 0o600);
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'MaxSessions 64',
      'MaxStartups 64:30:100',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let log = '';
  const launch = async (): Promise<void> => {
    const c = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    child = c;
    if (!(await waitForPort(port))) {
      c.kill('SIGKILL');
      throw new Error(`sshd did not start on port ${port}: ${log}`);
    }
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    try {
      execFileSync('pkill', ['-KILL', '-P', String(c.pid)]);
    } catch {
      // no connections open
    }
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  const hostKeyLine = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKeyLine}\n`);
  return {
    host: '127.0.0.1',
    port,
    user: os.userInfo().username,
    clientKey,
    knownHosts,
    hostKeyLine,
    dir,
    kill,
    start: launch,
    async stop() {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What to put in a test HOME's ~/.ssh. */
export interface SshHomeOptions {
  /** File name under ~/.ssh for a copy of the server's client key; omitted: no key. @default 'id_ed25519' */
  readonly key?: string | null;
  /** Copy the server's known_hosts entry to ~/.ssh/known_hosts. @default true */
  readonly knownHosts?: boolean;
  /** Contents of ~/.ssh/config. */
  readonly config?: string;
}

/** Creates a HOME folder (under `parent`) with an ~/.ssh set up to reach `sshd`. */
export function makeSshHome(sshd: TestSshd, parent: string, opts: SshHomeOptions = {}): string {
  const home = fs.mkdtempSync(path.join(parent, 'home-'));
  const dot = path.join(home, '.ssh');
  fs.mkdirSync(dot, { mode: 0o700 });
  const key = opts.key === undefined ? 'id_ed25519' : opts.key;
  if (key !== null) {
    fs.copyFileSync(sshd.clientKey, path.join(dot, key));
    fs.chmodSync(path.join(dot, key), 0o600);
  }
  if (opts.knownHosts ?? true) fs.copyFileSync(sshd.knownHosts, path.join(dot, 'known_hosts'));
  if (opts.config !== undefined) fs.writeFileSync(path.join(dot, 'config'), opts.config);
  return home;
}
