/**
 * ssh_config resolution for one destination as OpenSSH 9.2's ssh does it: the user's
 * file (or the one given, like `ssh -F`, which replaces both) then /etc/ssh/ssh_config;
 * Host lines matched against the name as given (case-sensitive), Match lines (match.ts),
 * Include (include.ts) that applies only when its block is active and returns to that
 * block afterwards; first value wins (settings.ts). Then HostName with %h expanded and
 * lowercased (not IP addresses), CanonicalizeHostname (canonical.ts; direct
 * connections, or always) and, when it is on or a `Match final` was seen, a second,
 * final pass in which Host and Match host see the new name. The defaults filled in are
 * OpenSSH's; user paths are tilde-, env- and token-expanded. Pure but for reading the
 * config files, resolving names for canonicalisation and running Match exec commands.
 */
import net from 'node:net';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { canonicalize } from './canonical.js';
import { anchorInclude, globPaths } from './include.js';
import { matchLine } from './match.js';
import { readConfig } from './parse.js';
import { hostLineMatches } from './patterns.js';
import { emptySettings, type Settings, type StrictMode } from './settings.js';
import { applyLine } from './settings.js';
import { expandPathSetting, percentExpand, TOKENS, type TokenValues } from './tokens.js';

/** OpenSSH's default identity files, in its order. */
export const DEFAULT_IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((f) => `~/.ssh/${f}`);

/** What to resolve, and for whom. */
export interface ResolveInput {
  /** The destination as given (an alias or a host name). */
  readonly host: string;
  /** Read only this file (as `ssh -F FILE`). */
  readonly configFile?: string;
  /** The local user's home (from the passwd entry), user name and uid. */
  readonly home: string;
  readonly localUser: string;
  readonly uid: number;
  readonly env: NodeJS.ProcessEnv;
  /** Command-line values: they win over every config file, and Match user sees them. */
  readonly preset?: Partial<Settings>;
  /** @default '/etc/ssh/ssh_config' */
  readonly systemConfig?: string;
  /** @default the user's ~/.ssh/config */
  readonly userConfig?: string;
}

/** The resolved settings. */
export interface ResolvedConfig {
  readonly originalHost: string;
  readonly hostName: string;
  readonly user: string;
  readonly port: number;
  /** As written (tokens unexpanded), or OpenSSH's defaults when none was set. */
  readonly identityFiles: readonly string[];
  /** Whether identityFiles came from the config or the command line (not the defaults). */
  readonly explicitIdentities: boolean;
  readonly certificateFiles: readonly string[];
  readonly identitiesOnly: boolean;
  readonly proxyJump?: string;
  readonly proxyCommand?: string;
  /** Expanded. */
  readonly userKnownHostsFiles: readonly string[];
  /** As written (OpenSSH expands nothing in them). */
  readonly globalKnownHostsFiles: readonly string[];
  readonly strictHostKeyChecking: StrictMode;
  readonly hostKeyAlias?: string;
  readonly serverAliveInterval?: number;
  readonly connectTimeout?: number;
  /** Raw IdentityAgent ('none', 'SSH_AUTH_SOCK' or a path). */
  readonly identityAgent?: string;
  readonly canonicalizeHostname: 'no' | 'yes' | 'always';
  /** Token values for expanding path settings (tokens.ts). */
  readonly tokens: TokenValues;
}

const MAX_DEPTH = 16;

interface Pass {
  readonly host: string;
  readonly finalPass: boolean;
  wantFinal: boolean;
}

function tokensFor(input: ResolveInput, s: Settings, host: string): TokenValues {
  return {
    host,
    originalHost: input.host,
    port: s.port ?? 22,
    remoteUser: s.user ?? input.localUser,
    localUser: input.localUser,
    uid: input.uid,
    home: input.home,
    ...(s.hostKeyAlias !== undefined ? { hostKeyAlias: s.hostKeyAlias } : {}),
    jump: s.proxyJump && s.proxyJump.toLowerCase() !== 'none' ? s.proxyJump : '',
  };
}

/** The host `Match host` sees: the HostName so far (%h expanded), else the name given. */
function matchHost(input: ResolveInput, s: Settings, p: Pass): string {
  if (p.finalPass) return s.hostName ?? input.host;
  if (s.hostName === undefined) return input.host;
  return percentExpand(s.hostName, TOKENS.hostname, tokensFor(input, s, input.host), 'HostName');
}

function readFile(file: string, input: ResolveInput, s: Settings, p: Pass, userConf: boolean, neverMatch: boolean, depth: number): void {
  if (depth > MAX_DEPTH) throw new CofferError(ErrorCode.Config, `${file}: Include nested more than ${MAX_DEPTH} deep; remove the Include loop`);
  const lines = readConfig(file);
  if (!lines) return;
  let active = !neverMatch;
  for (const l of lines) {
    if (l.key === 'host') {
      active = !neverMatch && hostLineMatches(l.args, p.host);
    } else if (l.key === 'match') {
      if (neverMatch) continue;
      const host = matchHost(input, s, p);
      active = matchLine(l, {
        host,
        originalHost: input.host,
        remoteUser: s.user ?? input.localUser,
        localUser: input.localUser,
        finalPass: p.finalPass,
        tokens: tokensFor(input, s, host),
        env: input.env,
        wantFinalPass: () => {
          p.wantFinal = true;
        },
      });
    } else if (l.key === 'include') {
      for (const arg of l.args) {
        for (const f of globPaths(anchorInclude(arg, userConf, input.home))) readFile(f, input, s, p, userConf, !active, depth + 1);
      }
    } else if (active) applyLine(s, l);
  }
}

function readAll(input: ResolveInput, s: Settings, p: Pass): void {
  if (input.configFile !== undefined) {
    if (!readConfig(input.configFile)) throw new CofferError(ErrorCode.Config, `cannot read the ssh config file ${input.configFile}: check the ssh_config option`);
    readFile(input.configFile, input, s, p, true, false, 0);
    return;
  }
  readFile(input.userConfig ?? `${input.home}/.ssh/config`, input, s, p, true, false, 0);
  readFile(input.systemConfig ?? '/etc/ssh/ssh_config', input, s, p, false, false, 0);
}

function isSet(v: string | undefined): boolean {
  return v !== undefined && v.toLowerCase() !== 'none';
}

/** Resolves the settings for `input.host`. */
export function resolveConfig(input: ResolveInput): ResolvedConfig {
  const s: Settings = { ...emptySettings(), ...input.preset };
  s.identityFiles = [...(input.preset?.identityFiles ?? [])];
  s.certificateFiles = [...(input.preset?.certificateFiles ?? [])];
  const first: Pass = { host: input.host, finalPass: false, wantFinal: false };
  readAll(input, s, first);
  let host = s.hostName !== undefined ? percentExpand(s.hostName, TOKENS.hostname, tokensFor(input, s, input.host), 'HostName') : input.host;
  if (net.isIP(host) === 0) host = host.toLowerCase();
  const canon = s.canonicalizeHostname ?? 'no';
  const direct = !isSet(s.proxyCommand) && !isSet(s.proxyJump);
  if (canon !== 'no' && (direct || canon === 'always')) {
    host =
      canonicalize(host, {
        domains: s.canonicalDomains ?? [],
        maxDots: s.canonicalizeMaxDots ?? 1,
        fallbackLocal: s.canonicalizeFallbackLocal ?? true,
      }) ?? host;
  }
  if (canon !== 'no' || first.wantFinal) {
    s.hostName = host;
    readAll(input, s, { host, finalPass: true, wantFinal: false });
  }
  const tokens = tokensFor(input, s, host);
  const explicit = s.identityFiles.length > 0;
  return {
    originalHost: input.host,
    hostName: host,
    user: s.user ?? input.localUser,
    port: s.port ?? 22,
    identityFiles: explicit ? s.identityFiles : DEFAULT_IDENTITY_FILES,
    explicitIdentities: explicit,
    certificateFiles: s.certificateFiles,
    identitiesOnly: s.identitiesOnly ?? false,
    ...(isSet(s.proxyJump) ? { proxyJump: s.proxyJump } : {}),
    ...(isSet(s.proxyCommand) ? { proxyCommand: s.proxyCommand } : {}),
    userKnownHostsFiles: (s.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']).map((f) => expandPathSetting(f, tokens, input.env, 'UserKnownHostsFile')),
    globalKnownHostsFiles: s.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    strictHostKeyChecking: s.strictHostKeyChecking ?? 'ask',
    ...(s.hostKeyAlias !== undefined ? { hostKeyAlias: s.hostKeyAlias } : {}),
    ...(s.serverAliveInterval !== undefined ? { serverAliveInterval: s.serverAliveInterval } : {}),
    ...(s.connectTimeout !== undefined ? { connectTimeout: s.connectTimeout } : {}),
    ...(s.identityAgent !== undefined ? { identityAgent: s.identityAgent } : {}),
    canonicalizeHostname: canon,
    tokens,
  };
}
