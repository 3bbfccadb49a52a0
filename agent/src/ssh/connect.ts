/**
 * Opening an SSH connection and its SFTP channel with ssh2, with host keys verified
 * against known_hosts unless the user opted out, TCP_NODELAY on (ssh2 does not set it,
 * and every request would otherwise wait ~40 ms for a delayed ACK), keepalives, and
 * one-line errors that name the fix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2, { type Client, type ConnectConfig, type ParsedKey, type SFTPWrapper } from 'ssh2';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { checkHostKey, fingerprint, hostEntryName, keyType } from './known-hosts.js';
import { assertMayConnect, track } from './interrupt.js';

/** Everything needed to reach a server. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The name the user gave (a ~/.ssh/config alias, or the host). @default host */
  readonly alias?: string;
  /** Name looked up in known_hosts (HostKeyAlias). @default host */
  readonly hostKeyName?: string;
  /** Private key files to try first, in order (explicit identities). */
  readonly identities: readonly string[];
  /** Key files tried after the agent (OpenSSH's defaults). */
  readonly defaultIdentities?: readonly string[];
  /** Reach the host through this one (ProxyJump). */
  readonly proxy?: SshTarget;
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

/** Default identities OpenSSH tries. */
export function defaultIdentities(home = os.homedir()): string[] {
  const dir = path.join(home, '.ssh');
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
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

type AuthMethod =
  | { type: 'publickey'; username: string; key: ParsedKey }
  | { type: 'agent'; username: string; agent: string };

/**
 * Authentication methods in OpenSSH's order: explicit identities, the agent, default
 * key files. Keys that cannot be read or decrypted are left out; when nothing is left,
 * the error says why.
 */
function authMethods(t: SshTarget): AuthMethod[] {
  const out: AuthMethod[] = [];
  const problems: string[] = [];
  const addKey = (file: string): void => {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(file);
    } catch {
      return; // a configured identity that does not exist is skipped, as OpenSSH does
    }
    const parsed = ssh2.utils.parseKey(raw, t.keyPassphrase);
    if (parsed instanceof Error) {
      problems.push(`${file}: ${/encrypted|passphrase/i.test(parsed.message) ? 'encrypted; set COFFER_SSH_KEY_PASSPHRASE or use ssh-agent' : parsed.message}`);
      return;
    }
    out.push({ type: 'publickey', username: t.user, key: Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed });
  };
  for (const f of t.identities) addKey(f);
  if (t.agent) out.push({ type: 'agent', username: t.user, agent: t.agent });
  for (const f of t.defaultIdentities ?? []) if (!t.identities.includes(f)) addKey(f);
  if (out.length === 0) {
    throw new CofferError(
      ErrorCode.Permission,
      `no usable SSH key for ${where(t)}${problems.length ? ` (${problems.join('; ')})` : ''}: set IdentityFile in ~/.ssh/config, the identity option, or start ssh-agent`,
    );
  }
  return out;
}

/**
 * Connects (through the ProxyJump host when there is one) and opens the SFTP subsystem.
 * After an interrupt (interrupt.ts) only `cleanup` connections are opened.
 */
export async function connect(t: SshTarget, cleanup = false): Promise<SshSession> {
  assertMayConnect(cleanup);
  let sock: NodeJS.ReadableStream | undefined;
  let jump: Client | undefined;
  if (t.proxy) {
    const j = await connectClient(t.proxy, undefined);
    jump = j;
    sock = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      j.forwardOut('127.0.0.1', 0, t.host, t.port, (err, stream) => {
        if (err) reject(new CofferError(ErrorCode.Retryable, `the jump host ${t.proxy?.host ?? ''} could not reach ${t.host}:${t.port}: ${err.message}`));
        else resolve(stream);
      }),
    );
  }
  const client = await connectClient(t, sock);
  if (jump) {
    const j = jump;
    client.once('close', () => j.end());
  }
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) => {
      if (err) {
        client.end();
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

function connectClient(t: SshTarget, sock: NodeJS.ReadableStream | undefined): Promise<Client> {
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
      ...(sock ? { sock: sock as ConnectConfig['sock'] } : {}),
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
