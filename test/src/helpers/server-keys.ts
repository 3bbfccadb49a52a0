/** Host and client keys, and known_hosts, for the test SFTP servers (sftp-servers.ts). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A host key and a client key in `dir`; the host key of `hostKeyType` (ProFTPD wants PEM ECDSA). */
export function makeKeys(dir: string, hostKeyType: 'ed25519' | 'ecdsa-pem' = 'ed25519'): { hostKey: string; clientKey: string; hostKeyLine: string } {
  const hostKey = path.join(dir, 'host_key');
  const clientKey = path.join(dir, 'client_ed25519');
  const hostArgs = hostKeyType === 'ed25519' ? ['-t', 'ed25519'] : ['-t', 'ecdsa', '-b', '256', '-m', 'PEM'];
  execFileSync('ssh-keygen', ['-q', ...hostArgs, '-N', '', '-f', hostKey, '-C', 'coffer-test-host']);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey, '-C', 'coffer-test-client']);
  const hostKeyLine = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return { hostKey, clientKey, hostKeyLine };
}

/** Writes the known_hosts file for a server at 127.0.0.1:`port`. */
export function writeKnownHosts(dir: string, port: number, hostKeyLine: string): string {
  const f = path.join(dir, 'known_hosts');
  fs.writeFileSync(f, `[127.0.0.1]:${port} ${hostKeyLine}\n`);
  return f;
}
