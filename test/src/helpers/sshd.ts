/**
 * A real OpenSSH server for tests: `sshd` on a random 127.0.0.1 port with its own
 * host key, config and authorized client key, started per suite and stopped after.
 * By default the client logs in as the user running the tests (root in CI); an
 * unprivileged system user can be asked for instead, and the SFTP subsystem can be
 * left out of the config. In CI (CI=true) a missing sshd is a failure, never a skip.
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
  /** The user the client key logs in as. */
  readonly user: string;
  /** That user's uid and gid (to give it folders: fs.chownSync(dir, sshd.uid, sshd.gid)). */
  readonly uid: number;
  readonly gid: number;
  /** Private key file the server accepts. */
  readonly clientKey: string;
  /** A known_hosts file with the server's host key for `[127.0.0.1]:port`. */
  readonly knownHosts: string;
  /** The server's host public key line (type and base64). */
  readonly hostKeyLine: string;
  /** Folder with the server's files. */
  readonly dir: string;
  /** What sshd has logged (-e) since it was last started. */
  log(): string;
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

/** A 127.0.0.1 port that was free a moment ago (the kernel handed it out and it was closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Waits until something accepts connections on 127.0.0.1:`port` (25 ms apart, `attempts` times). */
export async function waitForPort(port: number, attempts = 200): Promise<boolean> {
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

/** How to set up the server. Every field is optional; `startSshd()` logs in as the current user with SFTP on. */
export interface SshdOptions {
  /**
   * Log in as this user instead of the one running the tests. A missing user is created
   * as a system user with `useradd` (root only), with a `/bin/sh` shell (sshd runs the
   * SFTP subsystem through the login shell) and no password (`*`: not locked, since
   * sshd refuses locked accounts when PAM is off). An existing user is used as it is.
   * @default the current user
   */
  readonly user?: string;
  /** Whether sshd_config has `Subsystem sftp`; false makes a server that speaks SSH but not SFTP. @default true */
  readonly sftpSubsystem?: boolean;
  /**
   * Run sshd inside this network namespace (`ip netns exec NS`, root only), on the
   * namespace's own 127.0.0.1: only processes run in the same namespace reach it.
   */
  readonly netns?: string;
  /** More sshd_config lines (e.g. `PermitOpen 127.0.0.1:2222`). */
  readonly extraConfig?: readonly string[];
  /** sshd_config lines put before the defaults (sshd keeps the first value of a keyword, so these win). */
  readonly settings?: readonly string[];
  /** Lines put at the end of sshd_config (a `Match` block). */
  readonly matchBlock?: readonly string[];
}

/** Waits until sshd's log (-e) says it listens; for a server in a namespace the test cannot dial. */
async function waitForLog(log: () => string, attempts = 200): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (/Server listening on/.test(log())) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** The uid and gid of `user`, creating it as a system user (home `home`, not created) when it does not exist. */
export function ensureUser(user: string, home = '/nonexistent'): { uid: number; gid: number } {
  const lookup = (): { uid: number; gid: number } | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      const gid = Number(execFileSync('id', ['-g', user], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error(`user ${user} does not exist, and only root can create it (useradd)`);
  let failure = '';
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', home, '--shell', '/bin/sh', '--password', '*', user], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    failure = String((err as { stderr?: Buffer }).stderr ?? err).trim(); // another run may have created it meanwhile
  }
  const made = lookup();
  if (!made) throw new Error(`cannot create the test user ${user} with useradd: ${failure || 'id does not find it afterwards'}`);
  return made;
}

/** Starts sshd; throws when it cannot be installed or started. */
export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  if (!haveSshd()) throw new Error(`${SSHD} is missing: install Debian's openssh-server (npm test does this)`);
  const me = os.userInfo();
  const user = opts.user ?? me.username;
  const { uid, gid } = opts.user === undefined ? { uid: me.uid, gid: me.gid } : ensureUser(opts.user);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-sshd-'));
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync('/run/sshd', { recursive: true });
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey, '-C', 'coffer-test-host']);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey, '-C', 'coffer-test-client']);
  // One authorized_keys per login name (AuthorizedKeysFile …/%u), owned by that user:
  // sshd reads it with the user's privileges.
  const keysDir = path.join(dir, 'authorized_keys.d');
  fs.mkdirSync(keysDir, { mode: 0o755 });
  const authorizedKeys = path.join(keysDir, user);
  fs.copyFileSync(`${clientKey}.pub`, authorizedKeys);
  fs.chmodSync(authorizedKeys, 0o600);
  if (uid !== me.uid || gid !== me.gid) fs.chownSync(authorizedKeys, uid, gid);
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      ...(opts.settings ?? []),
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(keysDir, '%u')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'MaxSessions 64',
      'MaxStartups 64:30:100',
      ...(opts.extraConfig ?? []),
      ...(opts.sftpSubsystem ?? true ? ['Subsystem sftp /usr/lib/openssh/sftp-server'] : []),
      ...(opts.matchBlock ?? []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let log = '';
  const launch = async (): Promise<void> => {
    const argv = ['-D', '-e', '-f', config];
    log = '';
    const c = opts.netns
      ? spawn('ip', ['netns', 'exec', opts.netns, SSHD, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(SSHD, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    child = c;
    if (!(await (opts.netns ? waitForLog(() => log) : waitForPort(port)))) {
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
    user,
    uid,
    gid,
    clientKey,
    knownHosts,
    hostKeyLine,
    dir,
    log: () => log,
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
export function makeSshHome(sshd: Pick<TestSshd, 'clientKey' | 'knownHosts'>, parent: string, opts: SshHomeOptions = {}): string {
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

/** A server and a HOME that reaches it, for one mocha suite. */
export interface SuiteSshd {
  readonly sshd: TestSshd;
  readonly home: string;
}

/**
 * Registers `before`/`after` hooks in the calling `describe` that start a server (skipping
 * the suite when sshd is missing outside CI) with a HOME set up by makeSshHome under
 * `parent()`, and stop it; `after` also runs `cleanup`. Read the fields inside tests.
 */
export function sshdForSuite(parent: () => string, cleanup: () => void): SuiteSshd {
  let sshd: TestSshd | undefined;
  let home: string | undefined;
  before(async function () {
    if (!haveSshd() && process.env.CI !== 'true') this.skip();
    sshd = await startSshd();
    home = makeSshHome(sshd, parent());
  });
  after(async () => {
    await sshd?.stop();
    cleanup();
  });
  return {
    get sshd(): TestSshd {
      if (!sshd) throw new Error('sshd is not started yet (read it inside a test)');
      return sshd;
    },
    get home(): string {
      if (home === undefined) throw new Error('sshd is not started yet (read it inside a test)');
      return home;
    },
  };
}
