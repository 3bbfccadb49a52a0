/**
 * Reading the controller's Prometheus text (/metrics) for the cross-check: a gauge's
 * value, a histogram's cumulative buckets, the difference of two scrapes (so one phase
 * is seen alone), and a quantile estimated as Prometheus's histogram_quantile does
 * (linear within the bucket that holds it).
 */

/** Cumulative histogram buckets (upper bound in seconds, count), in increasing order, +Inf last. */
export type Buckets = readonly (readonly [number, number])[];

function sampleLines(text: string, name: string): { labels: string; value: number }[] {
  const out: { labels: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m?.[1] === name) out.push({ labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

/** The value of an unlabelled gauge or counter, or undefined when absent. */
export function gauge(text: string, name: string): number | undefined {
  return sampleLines(text, name)[0]?.value;
}

/** The buckets of an unlabelled histogram (empty when absent). */
export function histogram(text: string, name: string): Buckets {
  return sampleLines(text, `${name}_bucket`)
    .map(({ labels, value }): [number, number] => {
      const le = /le="([^"]+)"/.exec(labels)?.[1] ?? '+Inf';
      return [le === '+Inf' ? Infinity : Number(le), value];
    })
    .sort((a, b) => a[0] - b[0]);
}

/** `after` minus `before`, bucket by bucket (the observations made between two scrapes). */
export function diff(after: Buckets, before: Buckets): Buckets {
  return after.map(([le, n]) => [le, n - (before.find((b) => b[0] === le)?.[1] ?? 0)] as const);
}

/** The estimated `q` quantile in seconds; undefined without observations. Infinity when it lies in the +Inf bucket. */
export function quantile(b: Buckets, q: number): number | undefined {
  const total = b[b.length - 1]?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const [le, n] of b) {
    if (n >= rank) {
      if (le === Infinity) return Infinity;
      return n === prevN ? le : prevLe + ((le - prevLe) * (rank - prevN)) / (n - prevN);
    }
    prevLe = le;
    prevN = n;
  }
  return undefined;
}

/** Total observations. */
export function count(b: Buckets): number {
  return b[b.length - 1]?.[1] ?? 0;
}
