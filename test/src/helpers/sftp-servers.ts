/**
 * Every SFTP server the connectors are tested against, behind one interface, so that a
 * suite can loop over them: OpenSSH's sftp-server, OpenSSH internal-sftp in a chroot,
 * rclone serve sftp (with and without --vfs-cache-mode writes), ProFTPD mod_sftp and
 * Dropbear with OpenSSH's sftp-server. Each runs on a random 127.0.0.1 port with its own
 * host key and accepts one client key of its own; `stop` kills it and removes its files.
 * In CI (CI=true) a server that cannot be started is a failure, never a skip.
 */
import fs from 'node:fs';
import path from 'node:path';
import { haveSshd, startSshd } from './sshd.js';
import { startChrootSftp } from './chroot-sftp.js';
import { startRcloneSftp } from './rclone-sftp.js';
import { startProftpdSftp } from './proftpd-sftp.js';
import { startDropbearSftp } from './dropbear-sftp.js';

/** What a server keeps of what a restore writes. */
export interface ServerKeeps {
  readonly symlinks: boolean;
  /** Permission bits set with SETSTAT. */
  readonly modes: boolean;
  /** Modification times of files set with SETSTAT. */
  readonly mtimes: boolean;
  /** Modification times of folders. */
  readonly dirMtimes: boolean;
  /** Whether it takes writes out of order (a restore needs them; rclone without --vfs-cache-mode writes does not). */
  readonly outOfOrderWrites: boolean;
}

/** A folder on the server: its path on this machine, and the path the SFTP client names it by. */
export interface ServerFolder {
  readonly local: string;
  readonly remote: string;
  /** The login user's ids, when it is not the user running the tests: files the test makes there must be given to it. */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

/** A running SFTP server for tests. */
export interface TestSftpServer {
  readonly kind: ServerKind;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Private key file the server accepts for `user`. */
  readonly clientKey: string;
  /** known_hosts with the server's host key for `[127.0.0.1]:port`. */
  readonly knownHosts: string;
  readonly keeps: ServerKeeps;
  /** A new empty folder that `user` owns (`name` must be new). */
  folder(name: string): ServerFolder;
  /** The server's own log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export type ServerKind = 'openssh' | 'openssh-chroot' | 'rclone' | 'rclone-vfs' | 'proftpd' | 'dropbear';

/** Every kind, in the order suites run them. */
export const SERVER_KINDS: readonly ServerKind[] = ['openssh', 'openssh-chroot', 'rclone', 'rclone-vfs', 'proftpd', 'dropbear'];

const KEEPS_ALL: ServerKeeps = { symlinks: true, modes: true, mtimes: true, dirMtimes: true, outOfOrderWrites: true };

/** Why `kind` cannot run here (a missing program, or not root), or undefined when it can. */
export function missingFor(kind: ServerKind): string | undefined {
  const root = process.getuid?.() === 0;
  const need = (file: string, pkg: string): string | undefined => (fs.existsSync(file) ? undefined : `${file} is missing: install Debian's ${pkg} (npm test does this)`);
  switch (kind) {
    case 'openssh':
      return haveSshd() ? undefined : need('/usr/sbin/sshd', 'openssh-server');
    case 'openssh-chroot':
      return need('/usr/sbin/sshd', 'openssh-server') ?? (root ? undefined : 'a chroot needs root');
    case 'rclone':
    case 'rclone-vfs':
      return need('/usr/bin/rclone', 'rclone');
    case 'proftpd':
      return need('/usr/sbin/proftpd', 'proftpd-core') ?? need('/usr/lib/proftpd/mod_sftp.so', 'proftpd-mod-crypto') ?? (root ? undefined : 'proftpd needs root');
    case 'dropbear':
      return need('/usr/sbin/dropbear', 'dropbear-bin') ?? need('/usr/lib/openssh/sftp-server', 'openssh-sftp-server') ?? (root ? undefined : 'dropbear needs root');
  }
}

/** Plain OpenSSH sshd with sftp-server, through the TestSshd helper. */
async function startOpenssh(): Promise<TestSftpServer> {
  const s = await startSshd();
  const base = path.join(s.dir, 'folders');
  fs.mkdirSync(base);
  return {
    kind: 'openssh',
    host: s.host,
    port: s.port,
    user: s.user,
    clientKey: s.clientKey,
    knownHosts: s.knownHosts,
    keeps: KEEPS_ALL,
    folder: (name) => {
      const local = path.join(base, name);
      fs.mkdirSync(local);
      return { local, remote: local };
    },
    log: () => '',
    stop: () => s.stop(),
  };
}

/** Starts a server of `kind`. */
export function startSftpServer(kind: ServerKind): Promise<TestSftpServer> {
  switch (kind) {
    case 'openssh':
      return startOpenssh();
    case 'openssh-chroot':
      return startChrootSftp();
    case 'rclone':
      return startRcloneSftp(false);
    case 'rclone-vfs':
      return startRcloneSftp(true);
    case 'proftpd':
      return startProftpdSftp();
    case 'dropbear':
      return startDropbearSftp();
  }
}

/**
 * Registers before/after hooks in the calling `describe` that start a server of `kind`
 * (skipping the suite outside CI when it cannot run here) and stop it. Read `server`
 * inside tests.
 */
export function sftpServerForSuite(kind: ServerKind): { readonly server: TestSftpServer } {
  let server: TestSftpServer | undefined;
  before(async function () {
    this.timeout(60_000);
    const missing = missingFor(kind);
    if (missing) {
      if (process.env.CI === 'true') throw new Error(`cannot start the ${kind} SFTP server: ${missing}`);
      console.log(`      skipped: ${kind}: ${missing}`);
      this.skip();
    }
    server = await startSftpServer(kind);
  });
  after(async () => {
    await server?.stop();
  });
  return {
    get server(): TestSftpServer {
      if (!server) throw new Error(`the ${kind} server is not started yet (read it inside a test)`);
      return server;
    },
  };
}

/** An SshTarget-shaped object for `server` (key auth with its client key, its known_hosts). */
export function serverTarget(server: TestSftpServer): {
  host: string;
  port: number;
  user: string;
  identities: string[];
  knownHosts: string[];
  strictHostKeyChecking: 'yes';
  keepaliveIntervalMs: number;
  connectTimeoutMs: number;
} {
  return {
    host: server.host,
    port: server.port,
    user: server.user,
    identities: [server.clientKey],
    knownHosts: [server.knownHosts],
    strictHostKeyChecking: 'yes',
    keepaliveIntervalMs: 15_000,
    connectTimeoutMs: 10_000,
  };
}
