/**
 * Exclusion rules with gitignore semantics (`*`, `**`, trailing `/` for directories,
 * leading `/` to anchor, `!` to re-include), matched against paths relative to the
 * backup root. Rules are applied during the walk, so an excluded directory is not
 * read at all.
 */
import ignore from 'ignore';

/** Decides whether a relative path is excluded. */
export type IgnoreMatcher = (rel: string, isDir: boolean) => boolean;

/** Builds a matcher from patterns (lines of ignore files and --ignore values). */
export function makeIgnore(patterns: readonly string[]): IgnoreMatcher {
  const lines = patterns.map((p) => p.trim()).filter((p) => p.length > 0 && !p.startsWith('#'));
  if (lines.length === 0) return () => false;
  const ig = ignore().add(lines);
  return (rel, isDir) => ig.ignores(isDir ? `${rel}/` : rel);
}
