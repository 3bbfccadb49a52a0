/**
 * Which keys are offered, in OpenSSH's way: the identity files (IdentityFile, the
 * identity option) when any is set, else OpenSSH's default files that exist; the
 * ssh-agent's keys unless IdentitiesOnly is on, in which case only the agent keys whose
 * public half is one of those identity files' (the file's .pub, else the unencrypted
 * private key). Order: identity files, then the agent, then default files. Keys that
 * cannot be read or decrypted are left out; when nothing is left, the error says why.
 */
import fs from 'node:fs';
import ssh2, { type BaseAgent, type IdentityCallback, type ParsedKey } from 'ssh2';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** What the key choice depends on. */
export interface AuthTarget {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  /** Identity files to offer (expanded); empty when none was configured. */
  readonly identities: readonly string[];
  /** OpenSSH's default identity files that exist, used only when `identities` is empty. */
  readonly defaultIdentities?: readonly string[];
  readonly identitiesOnly?: boolean;
  readonly agent?: string;
  readonly keyPassphrase?: string;
}

/** One ssh2 authentication method. */
export type AuthMethod = { type: 'publickey'; username: string; key: ParsedKey } | { type: 'agent'; username: string; agent: string | BaseAgent };

/** The public key blob (base64) of an identity file, from its .pub or its unencrypted private key. */
function publicBlob(file: string): string | undefined {
  for (const f of [`${file}.pub`, file]) {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(f);
    } catch {
      continue;
    }
    const k = ssh2.utils.parseKey(raw);
    if (k instanceof Error) continue;
    const key: ParsedKey | undefined = Array.isArray(k) ? (k[0] as ParsedKey | undefined) : k;
    if (key) return key.getPublicSSH().toString('base64');
  }
  return undefined;
}

/** The public blob (base64) of a key the agent listed (ssh2 hands out parsed keys). */
function agentKeyBlob(k: unknown): string | undefined {
  const p = k as Partial<ParsedKey>;
  return typeof p.getPublicSSH === 'function' ? p.getPublicSSH().toString('base64') : undefined;
}

/** An agent that only lists the keys in `allowed` (public blobs, base64). */
function filteredAgent(socket: string, allowed: ReadonlySet<string>): BaseAgent {
  const agent = new ssh2.OpenSSHAgent(socket);
  const list = agent.getIdentities.bind(agent);
  agent.getIdentities = (cb: IdentityCallback<ParsedKey>): void =>
    list((err, keys) => (err ? cb(err) : cb(undefined, (keys ?? []).filter((k) => allowed.has(agentKeyBlob(k) ?? '')))));
  return agent;
}

/** The methods to try, in order (see the header). */
export function authMethods(t: AuthTarget): AuthMethod[] {
  const out: AuthMethod[] = [];
  const problems: string[] = [];
  const where = `${t.user}@${t.host}:${t.port}`;
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
  const files = t.identities.length > 0 ? t.identities : t.defaultIdentities ?? [];
  if (t.identities.length > 0) for (const f of files) addKey(f);
  if (t.agent) {
    if (t.identitiesOnly) {
      const allowed = new Set(files.map(publicBlob).filter((b): b is string => b !== undefined));
      if (allowed.size > 0) out.push({ type: 'agent', username: t.user, agent: filteredAgent(t.agent, allowed) });
    } else out.push({ type: 'agent', username: t.user, agent: t.agent });
  }
  if (t.identities.length === 0) for (const f of files) addKey(f);
  if (out.length === 0) {
    throw new CofferError(
      ErrorCode.Permission,
      `no usable SSH key for ${where}${problems.length ? ` (${problems.join('; ')})` : ''}: set IdentityFile in ~/.ssh/config, the identity option, or start ssh-agent`,
    );
  }
  return out;
}
