/**
 * ProFTPD with mod_sftp for tests (Debian's proftpd-core and proftpd-mod-crypto): an
 * SFTP-only virtual host on a random 127.0.0.1 port (the FTP server is off), its own
 * PEM ECDSA host key, public-key login as the user running the tests (root) with the
 * key in RFC 4716 form. Paths are this machine's (no DefaultRoot).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon } from './daemon.js';
import { freePort } from './sshd.js';
import { makeKeys, writeKnownHosts } from './server-keys.js';
import type { TestSftpServer } from './sftp-servers.js';

export async function startProftpdSftp(): Promise<TestSftpServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-proftpd-'));
  fs.chmodSync(dir, 0o755);
  const folders = path.join(dir, 'folders');
  fs.mkdirSync(folders);
  const { hostKey, clientKey, hostKeyLine } = makeKeys(dir, 'ecdsa-pem');
  const user = os.userInfo().username;
  const keys = path.join(dir, 'keys');
  fs.mkdirSync(keys);
  fs.writeFileSync(path.join(keys, user), execFileSync('ssh-keygen', ['-e', '-f', `${clientKey}.pub`]));
  const port = await freePort();
  const conf = path.join(dir, 'proftpd.conf');
  fs.writeFileSync(
    conf,
    [
      'ServerName "coffer-test"',
      'ServerType standalone',
      'DefaultServer off',
      'Port 0',
      `PidFile ${dir}/proftpd.pid`,
      `ScoreboardFile ${dir}/proftpd.scoreboard`,
      'DelayTable none',
      'WtmpLog off',
      'TransferLog none',
      `SystemLog ${dir}/proftpd.log`,
      'UseIPv6 off',
      'UseReverseDNS off',
      'UseFtpUsers off',
      'ModulePath /usr/lib/proftpd',
      'LoadModule mod_sftp.c',
      '<VirtualHost 127.0.0.1>',
      `  Port ${port}`,
      '  SFTPEngine on',
      `  SFTPLog ${dir}/sftp.log`,
      `  SFTPHostKey ${hostKey}`,
      `  SFTPAuthorizedUserKeys file:${keys}/%u`,
      '  SFTPAuthMethods publickey',
      '  RequireValidShell off',
      '  RootLogin on',
      '  UseFtpUsers off',
      '  AuthOrder mod_auth_unix.c',
      '  Umask 022',
      '  AllowOverwrite on',
      '</VirtualHost>',
      '',
    ].join('\n'),
  );
  let daemon;
  try {
    daemon = await startDaemon('proftpd', '/usr/sbin/proftpd', ['-n', '-q', '-c', conf], port);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const d = daemon;
  return {
    kind: 'proftpd',
    host: '127.0.0.1',
    port,
    user,
    clientKey,
    knownHosts: writeKnownHosts(dir, port, hostKeyLine),
    keeps: { symlinks: true, modes: true, mtimes: true, dirMtimes: true, outOfOrderWrites: true },
    folder: (name) => {
      const local = path.join(folders, name);
      fs.mkdirSync(local);
      return { local, remote: local };
    },
    log: () => `${d.log()}${fs.existsSync(`${dir}/sftp.log`) ? fs.readFileSync(`${dir}/sftp.log`, 'utf8').slice(-3000) : ''}`,
    async stop() {
      await d.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
