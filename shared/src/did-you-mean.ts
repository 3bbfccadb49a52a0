/**
 * Suggestions for mistyped command-line words: the known word nearest to the given one
 * (Damerau-Levenshtein distance: insertions, deletions, substitutions and swaps of
 * neighbours), when it is near enough to be a typo. Pure; inputs are short words.
 */

/** Edit distance between `a` and `b` (optimal string alignment). Words over 64 characters count as far. */
export function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push(Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The candidate nearest to `word` if it is a likely typo: at most 1 edit for words of up
 * to 4 characters, 2 for longer ones, or `word` is a prefix of exactly one candidate.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const all = [...candidates];
  const limit = word.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of all) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  if (best !== undefined && bestD <= limit && bestD < word.length) return best;
  const prefixed = word.length >= 2 ? all.filter((c) => c.startsWith(word)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** " did you mean X?" (with a leading space), or "" when nothing is near. */
export function didYouMean(word: string, candidates: Iterable<string>, show: (c: string) => string = (c) => c): string {
  const n = nearest(word, candidates);
  return n === undefined ? '' : ` did you mean ${show(n)}?`;
}
