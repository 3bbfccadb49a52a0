/**
 * ~/.ssh/config resolution as OpenSSH does it, for the keywords Coffer uses: Host
 * blocks with wildcard and negated patterns, Include (globs, relative to ~/.ssh),
 * first obtained value wins (IdentityFile and UserKnownHostsFile accumulate), `Key
 * Value` and `Key=Value`, quoted values, `~` and %h %p %r %u %d %% tokens. Match
 * blocks are not evaluated (their settings are skipped). Pure except for reading the
 * files it is pointed at.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The settings that matter to Coffer for one host. */
export interface HostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  userKnownHostsFiles: string[];
  strictHostKeyChecking?: 'yes' | 'accept-new' | 'no';
  serverAliveIntervalS?: number;
  connectTimeoutS?: number;
  proxyJump?: string;
  hostKeyAlias?: string;
}

interface Line {
  readonly key: string;
  readonly args: string[];
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

function readLines(file: string, home: string, depth: number): Line[] {
  if (depth > 8) return [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    const args = tokenize(m[2] ?? '');
    if (key === 'include') {
      for (const pat of args) {
        const p = pat.startsWith('~/') ? path.join(home, pat.slice(2)) : path.isAbsolute(pat) ? pat : path.join(home, '.ssh', pat);
        for (const f of expandGlob(p)) out.push(...readLines(f, home, depth + 1));
      }
      continue;
    }
    out.push({ key, args });
  }
  return out;
}

function expandGlob(p: string): string[] {
  if (!/[*?]/.test(p)) return [p];
  const dir = path.dirname(p);
  const re = patternRe(path.basename(p));
  try {
    return fs.readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

function patternRe(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}

/** Whether a Host line's patterns select `alias` (a negated match excludes). */
export function hostMatches(patterns: readonly string[], alias: string): boolean {
  let ok = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    if (patternRe(neg ? p.slice(1) : p).test(alias)) {
      if (neg) return false;
      ok = true;
    }
  }
  return ok;
}

/** Resolves the configuration for `alias` from the given files (default ~/.ssh/config then /etc/ssh/ssh_config). */
export function resolveHost(alias: string, files?: readonly string[], home = os.homedir()): HostConfig {
  const cfg: HostConfig = { identityFiles: [], userKnownHostsFiles: [] };
  const list = files ?? [path.join(home, '.ssh', 'config'), '/etc/ssh/ssh_config'];
  for (const file of list) {
    let active = true;
    for (const { key, args } of readLines(file, home, 0)) {
      if (key === 'host') {
        active = hostMatches(args, alias);
        continue;
      }
      if (key === 'match') {
        active = false;
        continue;
      }
      if (!active || args.length === 0) continue;
      const v = args[0] as string;
      switch (key) {
        case 'hostname':
          cfg.hostName ??= v;
          break;
        case 'user':
          cfg.user ??= v;
          break;
        case 'port':
          cfg.port ??= Number(v);
          break;
        case 'identityfile':
          cfg.identityFiles.push(v);
          break;
        case 'identitiesonly':
          cfg.identitiesOnly ??= v.toLowerCase() === 'yes';
          break;
        case 'userknownhostsfile':
          if (cfg.userKnownHostsFiles.length === 0) cfg.userKnownHostsFiles.push(...args);
          break;
        case 'stricthostkeychecking': {
          const s = v.toLowerCase();
          cfg.strictHostKeyChecking ??= s === 'no' || s === 'off' ? 'no' : s === 'accept-new' ? 'accept-new' : 'yes';
          break;
        }
        case 'serveraliveinterval':
          cfg.serverAliveIntervalS ??= Number(v);
          break;
        case 'connecttimeout':
          cfg.connectTimeoutS ??= Number(v);
          break;
        case 'proxyjump':
          if (cfg.proxyJump === undefined && v.toLowerCase() !== 'none') cfg.proxyJump = v;
          break;
        case 'hostkeyalias':
          cfg.hostKeyAlias ??= v;
          break;
        default:
          break;
      }
    }
  }
  return cfg;
}

/** Expands `~` and the tokens %h %p %r %u %d %% in a path setting. */
export function expandPath(p: string, t: { host: string; port: number; user: string }, home = os.homedir()): string {
  const withTokens = p.replace(/%([hprud%])/g, (_, c: string) =>
    c === 'h' ? t.host : c === 'p' ? String(t.port) : c === 'r' ? t.user : c === 'u' ? os.userInfo().username : c === 'd' ? home : '%',
  );
  return withTokens.startsWith('~/') ? path.join(home, withTokens.slice(2)) : withTokens === '~' ? home : withTokens;
}
