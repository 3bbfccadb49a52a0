/**
 * OpenSSH's pattern matching (match.c): `*` any run, `?` one character, nothing else
 * special. matchPattern is case-sensitive as OpenSSH's Host lines are; matchPatternList
 * takes a comma-separated list with `!` negation and answers 1 (a positive pattern
 * matched and no negated one), -1 (a negated pattern matched) or 0. Pure.
 */

/** Whether `s` matches the wildcard pattern `p` (case-sensitive). */
export function matchPattern(s: string, p: string): boolean {
  // Iterative wildcard match with backtracking to the last `*`: linear memory, no regex.
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** OpenSSH's match_pattern_list: 1 matched, -1 negated match, 0 no match. */
export function matchPatternList(s: string, list: string, lower: boolean): 1 | 0 | -1 {
  const str = lower ? s.toLowerCase() : s;
  let got: 1 | 0 = 0;
  for (const item of list.split(',')) {
    const neg = item.startsWith('!');
    let pat = neg ? item.slice(1) : item;
    if (lower) pat = pat.toLowerCase();
    if (matchPattern(str, pat)) {
      if (neg) return -1;
      got = 1;
    }
  }
  return got;
}

/** Whether a `Host` line's arguments select `host`: one pattern each, a negated match excludes. */
export function hostLineMatches(patterns: readonly string[], host: string): boolean {
  let ok = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    if (matchPattern(host, neg ? p.slice(1) : p)) {
      if (neg) return false;
      ok = true;
    }
  }
  return ok;
}
