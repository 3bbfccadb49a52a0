/**
 * Dropbear for tests (Debian's dropbear-bin) with OpenSSH's sftp-server as what every
 * session runs (`-c`), on a random 127.0.0.1 port with its own host key. Dropbear reads
 * ~/.ssh/authorized_keys only, so the login user is a system user of its own
 * (coffer-dropbear, home /var/lib/coffer-test/dropbear-home, root only); each server
 * adds its client key there with a comment of its own and takes it out on stop.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon } from './daemon.js';
import { ensureUser, freePort } from './sshd.js';
import { writeKnownHosts } from './server-keys.js';
import type { TestSftpServer } from './sftp-servers.js';

const USER = 'coffer-dropbear';
const HOME = '/var/lib/coffer-test/dropbear-home';

/** Adds (or, with `remove`, takes out) the key line tagged `tag` in the user's authorized_keys. */
function editAuthorizedKeys(file: string, tag: string, line: string | undefined): void {
  const kept = (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '').split('\n').filter((l) => l.trim() !== '' && !l.endsWith(` ${tag}`));
  if (line !== undefined) kept.push(`${line} ${tag}`);
  fs.writeFileSync(file, kept.length ? `${kept.join('\n')}\n` : '', { mode: 0o600 });
}

export async function startDropbearSftp(): Promise<TestSftpServer> {
  const { uid, gid } = ensureUser(USER, HOME);
  const dot = path.join(HOME, '.ssh');
  fs.mkdirSync(dot, { recursive: true, mode: 0o700 });
  fs.chownSync(HOME, uid, gid);
  fs.chmodSync(HOME, 0o755);
  fs.chownSync(dot, uid, gid);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-dropbear-'));
  fs.chmodSync(dir, 0o755);
  const folders = path.join(dir, 'folders');
  fs.mkdirSync(folders, { mode: 0o755 });
  const hostKey = path.join(dir, 'host_ed25519');
  execFileSync('dropbearkey', ['-t', 'ed25519', '-f', hostKey], { stdio: 'ignore' });
  const hostKeyLine = /^(ssh-ed25519 \S+)/m.exec(execFileSync('dropbearkey', ['-y', '-f', hostKey]).toString())?.[1] ?? '';
  const clientKey = path.join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey, '-C', 'coffer-test-client']);
  const pub = fs.readFileSync(`${clientKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const tag = `coffer-test-${randomBytes(6).toString('hex')}`;
  const authorized = path.join(dot, 'authorized_keys');
  editAuthorizedKeys(authorized, tag, pub);
  fs.chownSync(authorized, uid, gid);
  const port = await freePort();
  const argv = ['-F', '-E', '-s', '-w', '-j', '-k', '-p', `127.0.0.1:${port}`, '-r', hostKey, '-P', path.join(dir, 'dropbear.pid'), '-c', '/usr/lib/openssh/sftp-server'];
  let daemon;
  try {
    daemon = await startDaemon('dropbear', '/usr/sbin/dropbear', argv, port);
  } catch (err) {
    editAuthorizedKeys(authorized, tag, undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const d = daemon;
  return {
    kind: 'dropbear',
    host: '127.0.0.1',
    port,
    user: USER,
    clientKey,
    knownHosts: writeKnownHosts(dir, port, hostKeyLine),
    keeps: { symlinks: true, modes: true, mtimes: true, dirMtimes: true, outOfOrderWrites: true },
    folder: (name) => {
      const local = path.join(folders, name);
      fs.mkdirSync(local);
      fs.chownSync(local, uid, gid);
      return { local, remote: local, owner: { uid, gid } };
    },
    log: () => d.log(),
    async stop() {
      await d.stop();
      editAuthorizedKeys(authorized, tag, undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
