/**
 * OpenSSH internal-sftp in a chroot for tests: sshd (TestSshd) with a `Match User`
 * block for a system user of its own (coffer-chroot) that forces internal-sftp with
 * `ChrootDirectory`. sshd wants every component of the chroot path root-owned and not
 * writable by others, so the chroot is under /var/lib/coffer-test (not /tmp); the
 * user's folders are under /data inside it, and the client names them by those paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureUser, startSshd } from './sshd.js';
import type { TestSftpServer } from './sftp-servers.js';

const USER = 'coffer-chroot';
const PARENT = '/var/lib/coffer-test';

export async function startChrootSftp(): Promise<TestSftpServer> {
  const { uid, gid } = ensureUser(USER);
  fs.mkdirSync(PARENT, { recursive: true, mode: 0o755 });
  const chroot = fs.mkdtempSync(path.join(PARENT, 'chroot-'));
  fs.chmodSync(chroot, 0o755);
  const data = path.join(chroot, 'data');
  fs.mkdirSync(data, { mode: 0o755 });
  fs.chownSync(data, uid, gid);
  let s;
  try {
    s = await startSshd({ user: USER, matchBlock: [`Match User ${USER}`, `  ChrootDirectory ${chroot}`, '  ForceCommand internal-sftp', '  AllowTcpForwarding no'] });
  } catch (err) {
    fs.rmSync(chroot, { recursive: true, force: true });
    throw err;
  }
  const sshd = s;
  return {
    kind: 'openssh-chroot',
    host: sshd.host,
    port: sshd.port,
    user: USER,
    clientKey: sshd.clientKey,
    knownHosts: sshd.knownHosts,
    keeps: { symlinks: true, modes: true, mtimes: true, dirMtimes: true, outOfOrderWrites: true },
    folder: (name) => {
      const local = path.join(data, name);
      fs.mkdirSync(local);
      fs.chownSync(local, uid, gid);
      return { local, remote: `/data/${name}`, owner: { uid, gid } };
    },
    log: () => '',
    async stop() {
      await sshd.stop();
      fs.rmSync(chroot, { recursive: true, force: true });
    },
  };
}
