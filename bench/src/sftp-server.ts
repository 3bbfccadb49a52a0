/**
 * The loopback OpenSSH server of the SFTP scenarios. It is the test suite's launcher
 * (`@coffer/test/helpers/sshd.js`: a real sshd on a random 127.0.0.1 port with its own
 * host key and client key), plus what each tool needs to reach it without reading the
 * user's ~/.ssh: a HOME for coffer whose ~/.ssh/config names the key and known_hosts,
 * and an OpenSSH client command line for restic's `sftp.command`. Both clients check
 * the server's host key strictly and log in with the key only.
 */
import { spawnSync } from 'node:child_process';
import { haveSshd, makeSshHome, startSshd } from '@coffer/test/helpers/sshd.js';
import { BenchError, messageOf } from './errors.js';

const SSH_CLIENT = 'ssh';

/** A running server and how to reach it. */
export interface SftpServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** HOME for coffer processes: ~/.ssh/config, the client key and known_hosts for this server. */
  readonly cofferHome: string;
  /** The command restic runs as its SFTP transport (`-o sftp.command=…`). */
  readonly sshCommand: string;
  /** OpenSSH's version line. */
  readonly version: string;
  /** Stops the server and removes its files (keys, HOME); safe to call twice. */
  stop(): Promise<void>;
}

/** OpenSSH's version (`ssh -V` prints it on stderr), or undefined when ssh is missing. */
function opensshVersion(): string | undefined {
  const r = spawnSync(SSH_CLIENT, ['-V'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return undefined;
  return (r.stderr || r.stdout).trim().split(',')[0];
}

/** Throws a {@link BenchError} naming the fix when sshd or the ssh client is missing. */
export function sftpPreflight(): void {
  if (!haveSshd()) throw new BenchError('/usr/sbin/sshd not found: run "npm run bench" (scripts/bench.sh installs openssh-server) or apt-get install openssh-server');
  if (opensshVersion() === undefined) throw new BenchError('ssh client not found (restic needs it for SFTP): apt-get install openssh-client');
}

/** Paths go into a command line that restic splits at spaces. */
function noSpaces(path: string): string {
  if (/\s/.test(path)) throw new BenchError(`path with white space cannot go into restic's sftp.command: "${path}" (set TMPDIR to a path without spaces)`);
  return path;
}

/** Starts sshd on 127.0.0.1 and prepares both clients' settings. */
export async function startSftpServer(): Promise<SftpServer> {
  sftpPreflight();
  let sshd;
  try {
    sshd = await startSshd();
  } catch (err) {
    throw new BenchError(`could not start sshd: ${messageOf(err)}`);
  }
  const cofferHome = makeSshHome(sshd, sshd.dir, {
    config: [
      `Host ${sshd.host}`,
      `  Port ${sshd.port}`,
      `  User ${sshd.user}`,
      '  IdentityFile ~/.ssh/id_ed25519',
      '  IdentitiesOnly yes',
      '  UserKnownHostsFile ~/.ssh/known_hosts',
      '  StrictHostKeyChecking yes',
      '',
    ].join('\n'),
  });
  const sshCommand = [
    SSH_CLIENT,
    '-F /dev/null',
    `-p ${sshd.port}`,
    `-i ${noSpaces(sshd.clientKey)}`,
    '-o IdentitiesOnly=yes',
    `-o UserKnownHostsFile=${noSpaces(sshd.knownHosts)}`,
    '-o StrictHostKeyChecking=yes',
    '-o BatchMode=yes',
    `${sshd.user}@${sshd.host}`,
    '-s sftp',
  ].join(' ');
  let stopped = false;
  return {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    cofferHome,
    sshCommand,
    version: opensshVersion() ?? 'unknown',
    async stop() {
      if (stopped) return;
      stopped = true;
      await sshd.stop();
    },
  };
}
