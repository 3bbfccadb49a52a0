/**
 * Opening an SSH connection and its SFTP channel with ssh2, with host keys verified
 * against known_hosts unless the user opted out, TCP_NODELAY on (ssh2 does not set it,
 * and every request would otherwise wait ~40 ms for a delayed ACK), keepalives, and
 * one-line errors that name the fix. Keys: auth.ts; jump chains and ProxyCommand:
 * transport.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2, { type Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { checkHostKey, fingerprint, hostEntryName, keyType } from './known-hosts.js';
import { assertMayConnect, track } from './interrupt.js';
import { type AuthMethod, authMethods } from './auth.js';
import { openOver, openTransport } from './transport.js';

/** Everything needed to reach a server. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The name the user gave (a ~/.ssh/config alias, or the host). @default host */
  readonly alias?: string;
  /** Name looked up in known_hosts (HostKeyAlias). @default host */
  readonly hostKeyName?: string;
  /** Identity files to offer, in order (IdentityFile, the identity option); empty when none is set. */
  readonly identities: readonly string[];
  /** OpenSSH's default key files, tried after the agent, only when `identities` is empty. */
  readonly defaultIdentities?: readonly string[];
  /** IdentitiesOnly: of the agent's keys, offer only those of the identity files. */
  readonly identitiesOnly?: boolean;
  /** Reach the host through this one (the last ProxyJump hop; it has its own `proxy` for the hops before). */
  readonly proxy?: SshTarget;
  /** Reach the host through this command's stdin/stdout (ProxyCommand, tokens expanded). */
  readonly proxyCommand?: string;
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
  /** The software part of the server's version banner (`OpenSSH_9.2p1`, `mod_sftp`, `rclone/`, `dropbear_2022.83`). */
  readonly software: string;
}

function where(t: SshTarget): string {
  return `${t.user}@${t.host}:${t.port}`;
}

function mapConnectError(
  t: SshTarget,
  err: Error & { code?: string; level?: string },
  hostKeyError: CofferError | undefined,
  offered: readonly string[] | undefined,
): CofferError {
  if (hostKeyError) return hostKeyError;
  if (err.level === 'client-authentication' && offered && !offered.includes('publickey')) {
    return new CofferError(
      ErrorCode.Permission,
      `the server ${t.host}:${t.port} offers no public-key authentication (it offers: ${offered.join(', ') || 'nothing'}); Coffer logs in with keys only: enable PubkeyAuthentication for ${t.user} on the server`,
      { cause: err },
    );
  }
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

/**
 * Connects (through the ProxyJump chain or the ProxyCommand when there is one) and
 * opens the SFTP subsystem. On any failure every connection opened for it (jump hosts
 * included) is closed before the error is thrown. After an interrupt (interrupt.ts)
 * only `cleanup` connections are opened.
 */
export async function connect(t: SshTarget, cleanup = false): Promise<SshSession> {
  assertMayConnect(cleanup);
  const transport = await openTransport(t, connectClient);
  const client = await openOver(t, transport, connectClient);
  client.once('close', () => transport.close());
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) => {
      if (err) {
        client.end();
        transport.close();
        reject(new CofferError(ErrorCode.Config, `the SFTP subsystem is not available on ${t.host}:${t.port} (${err.message}); enable 'Subsystem sftp' in sshd_config`));
        return;
      }
      // Request failures arrive through their callbacks; a channel-level error must not be unhandled.
      sftp.on('error', () => undefined);
      const exts = (sftp as unknown as { _extensions?: Record<string, string> })._extensions ?? {};
      const software = (client as unknown as { _remoteVer?: string })._remoteVer ?? '';
      resolve({ client, sftp, extensions: new Set(Object.keys(exts)), software });
    });
  });
}

function connectClient(t: SshTarget, sock: Duplex | undefined): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    track(client);
    let hostKeyError: CofferError | undefined;
    // The methods the server said it accepts (its USERAUTH_FAILURE answers): a server
    // without `publickey` is told apart from one that refused the key.
    let offered: readonly string[] | undefined;
    const methods = authMethods(t);
    let nextMethod = 0;
    const authHandler = (left: string[] | null): AuthMethod | false => {
      if (Array.isArray(left)) offered = left;
      if (offered && !offered.includes('publickey')) return false;
      return methods[nextMethod++] ?? false;
    };
    const keyName = t.hostKeyName ?? t.host;
    const cfg: ConnectConfig = {
      host: t.host,
      port: t.port,
      username: t.user,
      readyTimeout: t.connectTimeoutMs,
      keepaliveInterval: t.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      authHandler: authHandler,
      ...(sock ? { sock: sock } : {}),
      hostVerifier: (key: Buffer): boolean => {
        if (t.strictHostKeyChecking === 'no') return true;
        const verdict = checkHostKey(t.knownHosts, keyName, t.port, key);
        if (verdict === 'known') return true;
        const fp = fingerprint(key);
        const entry = hostEntryName(keyName, t.port);
        if (verdict === 'unknown' && t.strictHostKeyChecking === 'accept-new' && t.knownHosts[0]) {
          fs.mkdirSync(path.dirname(t.knownHosts[0]), { recursive: true, mode: 0o700 });
          fs.appendFileSync(t.knownHosts[0], `${entry} ${keyType(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
          return true;
        }
        hostKeyError =
          verdict === 'unknown'
            ? new CofferError(
                ErrorCode.Permission,
                `host key verification failed: ${entry} is not in known_hosts (${keyType(key)} ${fp}); add it (ssh-keyscan -p ${t.port} ${t.host} >> ~/.ssh/known_hosts, after checking the fingerprint) or set insecure_ignore_host_key=true`,
              )
            : new CofferError(
                ErrorCode.Permission,
                `host key verification failed: the host key of ${entry} has ${verdict === 'revoked' ? 'been REVOKED' : 'CHANGED'} (now ${keyType(key)} ${fp}); someone may be intercepting the connection. If the server was reinstalled, remove the old entry with ssh-keygen -R '${entry}'`,
              );
        return false;
      },
    };
    client.once('ready', () => {
      const s = (client as unknown as { _sock?: { setNoDelay?: (v: boolean) => void } })._sock;
      s?.setNoDelay?.(true);
      resolve(client);
    });
    // `on`, not `once`: ssh2 can emit a second error (a timeout, then 'Connection lost
    // before handshake'; or a reset after ready), and an error event without a listener
    // kills the process. The first one rejects; later ones end in 'close', which the
    // session pool watches.
    client.on('error', (err: Error & { code?: string; level?: string }) => reject(mapConnectError(t, err, hostKeyError, offered)));
    // Destroyed before it was ready (an interrupt): no error event comes, only 'close'.
    client.once('close', () => reject(new CofferError(ErrorCode.Retryable, `the connection to ${where(t)} closed before it was ready`)));
    client.connect(cfg);
  });
}
