/**
 * What Locate matches a tree node against: a shell glob on the name (`*.conf`), a glob
 * on the whole path when the pattern holds a '/' (`etc/*.conf`, `**` for any number of
 * folders: `**\/ssh/*`), a case-insensitive substring of the name (or of the path when
 * it holds a '/'), or a content digest (tree-entry.ts). A name is matched as stored and
 * in its display form (`\xHH` for bytes that are not UTF-8), as `coffer ls` shows it,
 * since a pattern typed on a command line cannot carry such bytes. Pure.
 */
import { displayName } from '../engine/raw-name.js';
import type { TreeNode } from '../engine/tree.js';
import { globToRegExp } from './glob.js';
import { contentDigest } from './tree-entry.js';

/** A test of one node at its path in a snapshot ('' is the root). */
export interface NodeMatcher {
  readonly test: (node: TreeNode, path: string) => boolean;
  /** Whether the outcome depends on where the node is (so a subtree's matches depend on its path). */
  readonly byPath: boolean;
}

/** Matches a glob's segments ('**' for any number of them) against a path's parts, each as stored or displayed. */
function matchParts(pats: readonly (RegExp | '**')[], parts: readonly string[]): boolean {
  // can[j]: the pattern's first i segments can match the path's first j parts.
  let can = new Array<boolean>(parts.length + 1).fill(false);
  can[0] = true;
  for (const p of pats) {
    const next = new Array<boolean>(parts.length + 1).fill(false);
    for (let j = 0; j <= parts.length; j++) {
      if (p === '**') next[j] = (can[j] as boolean) || (j > 0 && (next[j - 1] as boolean));
      else if (j > 0 && can[j - 1]) {
        const part = parts[j - 1] as string;
        next[j] = p.test(part) || p.test(displayName(part));
      }
    }
    can = next;
  }
  return can[parts.length] as boolean;
}

/** A glob: on the name, or on the path (leading '/' optional) when it holds a '/'. */
export function globMatcher(glob: string): NodeMatcher {
  if (!glob.includes('/')) {
    const re = globToRegExp(glob);
    return { byPath: false, test: (n) => re.test(n.name) || re.test(displayName(n.name)) };
  }
  const pats = glob.split('/').filter((s) => s !== '').map((s) => (s === '**' ? '**' : globToRegExp(s)));
  return { byPath: true, test: (_n, path) => path !== '' && matchParts(pats, path.split('/')) };
}

/** A case-insensitive substring of the displayed name, or of the displayed path when it holds a '/'. */
export function substringMatcher(part: string): NodeMatcher {
  const want = part.toLowerCase();
  if (!want.includes('/')) return { byPath: false, test: (n) => displayName(n.name).toLowerCase().includes(want) };
  return { byPath: true, test: (_n, path) => displayName(path).toLowerCase().includes(want.replace(/^\/+/, '')) };
}

/** Files whose content digest is `hex`. */
export function digestMatcher(hex: string): NodeMatcher {
  const want = hex.toLowerCase();
  return { byPath: false, test: (n) => n.type === 'file' && contentDigest(n) === want };
}

/** Any of several matchers. */
export function anyOf(ms: readonly NodeMatcher[]): NodeMatcher {
  if (ms.length === 1) return ms[0] as NodeMatcher;
  return { byPath: ms.some((m) => m.byPath), test: (n, p) => ms.some((m) => m.test(n, p)) };
}

/** All of several matchers. */
export function allOf(ms: readonly NodeMatcher[]): NodeMatcher {
  if (ms.length === 1) return ms[0] as NodeMatcher;
  return { byPath: ms.some((m) => m.byPath), test: (n, p) => ms.every((m) => m.test(n, p)) };
}
