/**
 * `rclone serve sftp` for tests (Debian's rclone), serving a local folder on a random
 * 127.0.0.1 port with its own host key and one authorized client key. `vfsWrites`
 * adds `--vfs-cache-mode writes` (out-of-order writes allowed); without it rclone
 * refuses a write that is not at the end of the file. rclone keeps no symlinks and
 * shows fixed modes (0666/0777 less its umask), nor folder times.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon } from './daemon.js';
import { freePort } from './sshd.js';
import { makeKeys, writeKnownHosts } from './server-keys.js';
import type { TestSftpServer } from './sftp-servers.js';

export async function startRcloneSftp(vfsWrites: boolean): Promise<TestSftpServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-rclone-'));
  const served = path.join(dir, 'served');
  fs.mkdirSync(served);
  const { hostKey, clientKey, hostKeyLine } = makeKeys(dir);
  const config = path.join(dir, 'rclone.conf');
  fs.writeFileSync(config, '');
  const port = await freePort();
  const argv = [
    'serve',
    'sftp',
    served,
    '--config',
    config,
    '--addr',
    `127.0.0.1:${port}`,
    '--key',
    hostKey,
    '--authorized-keys',
    `${clientKey}.pub`,
    // Files the test makes on disk are seen at once.
    '--dir-cache-time',
    '0s',
    '--poll-interval',
    '0',
    // With the cache, files reach the folder at once (not 5 s after their last write).
    ...(vfsWrites ? ['--vfs-cache-mode', 'writes', '--cache-dir', path.join(dir, 'cache'), '--vfs-write-back', '0s'] : []),
  ];
  let daemon;
  try {
    daemon = await startDaemon('rclone serve sftp', '/usr/bin/rclone', argv, port);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const d = daemon;
  return {
    kind: vfsWrites ? 'rclone-vfs' : 'rclone',
    host: '127.0.0.1',
    port,
    user: 'coffer',
    clientKey,
    knownHosts: writeKnownHosts(dir, port, hostKeyLine),
    keeps: { symlinks: false, modes: false, mtimes: true, dirMtimes: false, outOfOrderWrites: vfsWrites },
    folder: (name) => {
      const local = path.join(served, name);
      fs.mkdirSync(local);
      return { local, remote: `/${name}` };
    },
    log: () => d.log(),
    async stop() {
      await d.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
