/**
 * Opening an SSH connection and its SFTP channel with ssh2, with host keys verified
 * against known_hosts unless the user opted out, TCP_NODELAY on (ssh2 does not set it,
 * and every request would otherwise wait ~40 ms for a delayed ACK), keepalives, and
 * one-line errors that name the fix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { checkHostKey, fingerprint, hostEntryName, keyType } from './known-hosts.js';

/** Everything needed to reach a server. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Private key files to try, in order. */
  readonly identities: readonly string[];
  /** Passphrase for encrypted keys. */
  readonly keyPassphrase?: string;
  /** Use the ssh-agent at this socket. */
  readonly agent?: string;
  readonly knownHosts: readonly string[];
  /** `no`: accept any host key (insecure_ignore_host_key). */
  readonly strictHostKeyChecking: 'yes' | 'accept-new' | 'no';
  readonly keepaliveIntervalMs: number;
  readonly connectTimeoutMs: number;
}

/** An open connection with its SFTP channel. */
export interface SshSession {
  readonly client: Client;
  readonly sftp: SFTPWrapper;
  /** Server extensions (e.g. posix-rename@openssh.com, fsync@openssh.com). */
  readonly extensions: ReadonlySet<string>;
}

/** Default identities OpenSSH tries. */
export function defaultIdentities(): string[] {
  const dir = path.join(os.homedir(), '.ssh');
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
}

function where(t: SshTarget): string {
  return `${t.user}@${t.host}:${t.port}`;
}

function mapConnectError(t: SshTarget, err: Error & { code?: string; level?: string }, hostKeyError: CofferError | undefined): CofferError {
  if (hostKeyError) return hostKeyError;
  if (err.code === 'ECONNREFUSED') {
    return new CofferError(ErrorCode.Retryable, `connection refused by ${t.host}:${t.port}: check that sshd runs there and the port is right`, { cause: err });
  }
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new CofferError(ErrorCode.Usage, `unknown host ${t.host}: check the name, or add a Host alias with HostName to ~/.ssh/config`, { cause: err });
  }
  if (err.level === 'client-authentication') {
    return new CofferError(
      ErrorCode.Permission,
      `permission denied (publickey) for ${where(t)}: check the user, the identity file or ssh-agent, and the server's authorized_keys`,
      { cause: err },
    );
  }
  if (err.level === 'client-timeout' || /Timed out/i.test(err.message)) {
    return new CofferError(ErrorCode.Retryable, `connection to ${t.host}:${t.port} timed out: check the network and the port`, { cause: err });
  }
  return new CofferError(ErrorCode.Retryable, `ssh to ${where(t)} failed: ${err.message}`, { cause: err });
}

/** Connects and opens the SFTP subsystem. */
export function connect(t: SshTarget): Promise<SshSession> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyError: CofferError | undefined;
    const keys: Buffer[] = [];
    for (const f of t.identities) {
      try {
        keys.push(fs.readFileSync(f));
      } catch {
        // a configured identity that does not exist is skipped, as OpenSSH does
      }
    }
    const cfg: ConnectConfig = {
      host: t.host,
      port: t.port,
      username: t.user,
      readyTimeout: t.connectTimeoutMs,
      keepaliveInterval: t.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      ...(t.agent ? { agent: t.agent } : {}),
      ...(keys[0] ? { privateKey: keys[0] } : {}),
      ...(t.keyPassphrase !== undefined ? { passphrase: t.keyPassphrase } : {}),
      hostVerifier: (key: Buffer): boolean => {
        if (t.strictHostKeyChecking === 'no') return true;
        const verdict = checkHostKey(t.knownHosts, t.host, t.port, key);
        if (verdict === 'known') return true;
        const fp = fingerprint(key);
        if (verdict === 'unknown' && t.strictHostKeyChecking === 'accept-new' && t.knownHosts[0]) {
          fs.appendFileSync(t.knownHosts[0], `${hostEntryName(t.host, t.port)} ${keyType(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
          return true;
        }
        hostKeyError =
          verdict === 'unknown'
            ? new CofferError(
                ErrorCode.Permission,
                `host key verification failed: ${hostEntryName(t.host, t.port)} is not in known_hosts (${keyType(key)} ${fp}); add it (ssh-keyscan -p ${t.port} ${t.host} >> ~/.ssh/known_hosts, after checking the fingerprint) or set insecure_ignore_host_key=true`,
              )
            : new CofferError(
                ErrorCode.Permission,
                `host key verification failed: the host key of ${hostEntryName(t.host, t.port)} has CHANGED (now ${keyType(key)} ${fp}); someone may be intercepting the connection. If the server was reinstalled, remove the old entry with ssh-keygen -R`,
              );
        return false;
      },
    };
    client.once('ready', () => {
      const sock = (client as unknown as { _sock?: { setNoDelay?: (v: boolean) => void } })._sock;
      sock?.setNoDelay?.(true);
      client.sftp((err, sftp) => {
        if (err) {
          client.end();
          reject(new CofferError(ErrorCode.Config, `the SFTP subsystem is not available on ${t.host}:${t.port} (${err.message}); enable 'Subsystem sftp' in sshd_config`));
          return;
        }
        const ext = new Set<string>();
        sftp.once('ready', () => undefined);
        const exts = (sftp as unknown as { _extensions?: Record<string, string> })._extensions ?? {};
        for (const k of Object.keys(exts)) ext.add(k);
        resolve({ client, sftp, extensions: ext });
      });
    });
    client.once('error', (err: Error & { code?: string; level?: string }) => reject(mapConnectError(t, err, hostKeyError)));
    client.connect(cfg);
  });
}
