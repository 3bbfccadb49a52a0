/**
 * The files an `Include` argument names, as OpenSSH 9.2 finds them: `~` is the user's
 * home; a relative path is under ~/.ssh for the user's config (and a -F file) and
 * under /etc/ssh for the system one; `*` and `?` may stand in any path component
 * (directories too), never matching a leading dot; matches come sorted, and a pattern
 * that matches nothing includes nothing. Pure but for reading directories.
 */
import fs from 'node:fs';
import path from 'node:path';
import { matchPattern } from './patterns.js';
import { tildeExpand } from './tokens.js';

/** Anchors an Include argument (see the header). */
export function anchorInclude(arg: string, userConf: boolean, home: string): string {
  if (arg.startsWith('~')) return tildeExpand(arg, home);
  if (path.isAbsolute(arg)) return arg;
  return path.join(userConf ? path.join(home, '.ssh') : '/etc/ssh', arg);
}

function isGlob(s: string): boolean {
  return /[*?]/.test(s);
}

/** Expands a glob over whole paths (every component may hold wildcards). */
export function globPaths(pattern: string): string[] {
  const parts = pattern.split('/');
  let bases = [parts[0] === '' ? '/' : (parts[0] as string)];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '') continue;
    const next: string[] = [];
    for (const base of bases) {
      if (!isGlob(part)) {
        next.push(path.join(base, part));
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(base);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        if (n.startsWith('.') && !part.startsWith('.')) continue;
        if (matchPattern(n, part)) next.push(path.join(base, n));
      }
    }
    bases = next;
  }
  return isGlob(pattern) ? bases.filter((p) => fs.existsSync(p)) : bases;
}
