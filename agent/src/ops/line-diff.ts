/**
 * A line diff: Myers' O(ND) algorithm in its linear-space form (the middle snake, found
 * from both ends at once, splits the problem in two), on lines interned to integers,
 * with the common head and tail of every piece stripped first. Guarantees: the script
 * turns `a` into `b` exactly; it is minimal unless the work budget runs out, after which
 * the pieces still open are given as "all of a's lines removed, then all of b's added"
 * (still correct, just longer), so time and memory stay bounded on any input. Pure.
 */

/** One run of the edit script: `count` lines kept (' '), removed from a ('-') or added from b ('+'). */
export interface EditRun {
  readonly op: ' ' | '-' | '+';
  readonly count: number;
}

/** Options of {@link diffLines}. */
export interface LineDiffOptions {
  /** Steps of the search (snake moves) allowed in all; past them the rest is replaced whole. @default 50_000_000 */
  readonly budget?: number;
}

/** Furthest d searched for one middle snake; past it that piece is replaced whole. */
const MAX_D = 100_000;

/** Splits text into lines: '\n' separates, a final '\n' ends the last line (an empty text has none). */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Lines as integers: equal lines get equal numbers. */
function intern(a: readonly string[], b: readonly string[]): { x: Int32Array; y: Int32Array } {
  const ids = new Map<string, number>();
  const map = (lines: readonly string[]): Int32Array => {
    const out = new Int32Array(lines.length);
    lines.forEach((l, i) => {
      let id = ids.get(l);
      if (id === undefined) {
        id = ids.size;
        ids.set(l, id);
      }
      out[i] = id;
    });
    return out;
  };
  return { x: map(a), y: map(b) };
}

class Differ {
  /** Marks of the lines of a removed, and of b added. */
  readonly removed: Uint8Array;
  readonly added: Uint8Array;
  private budget: number;

  constructor(
    private readonly x: Int32Array,
    private readonly y: Int32Array,
    budget: number,
  ) {
    this.removed = new Uint8Array(x.length);
    this.added = new Uint8Array(y.length);
    this.budget = budget;
  }

  /** Diffs x[a0..a1) against y[b0..b1). */
  run(a0: number, a1: number, b0: number, b1: number): void {
    // Pieces waiting, as a stack: recursion depth is O(log D) anyway, but a stack never overflows.
    const todo: [number, number, number, number][] = [[a0, a1, b0, b1]];
    for (let guard = 0; todo.length > 0 && guard < 1e9; guard++) {
      let [lo, hi, blo, bhi] = todo.pop() as [number, number, number, number];
      while (lo < hi && blo < bhi && this.x[lo] === this.y[blo]) {
        lo++;
        blo++;
      }
      while (lo < hi && blo < bhi && this.x[hi - 1] === this.y[bhi - 1]) {
        hi--;
        bhi--;
      }
      if (lo === hi || blo === bhi) {
        this.replace(lo, hi, blo, bhi);
        continue;
      }
      const split = this.middle(lo, hi, blo, bhi);
      if (!split || (split.x === lo && split.y === blo) || (split.x === hi && split.y === bhi)) {
        this.replace(lo, hi, blo, bhi);
        continue;
      }
      todo.push([split.x, hi, split.y, bhi], [lo, split.x, blo, split.y]);
    }
  }

  private replace(a0: number, a1: number, b0: number, b1: number): void {
    this.removed.fill(1, a0, a1);
    this.added.fill(1, b0, b1);
  }

  /** A point on a shortest edit path of the piece, or undefined when the budget or MAX_D runs out. */
  private middle(a0: number, a1: number, b0: number, b1: number): { x: number; y: number } | undefined {
    const { x: xs, y: ys } = this;
    const n = a1 - a0;
    const m = b1 - b0;
    const maxD = Math.min(Math.ceil((n + m) / 2), MAX_D);
    const off = maxD + 1;
    // fw[k]: furthest x on diagonal k (x - y) from the start; bw[k]: furthest x from the end.
    const fw = new Int32Array(2 * off + 2).fill(-1);
    const bw = new Int32Array(2 * off + 2).fill(-1);
    fw[off + 1] = 0;
    bw[off + 1] = 0;
    const delta = n - m;
    const odd = (delta & 1) !== 0;
    let fStart = 0, fEnd = 0, bStart = 0, bEnd = 0;
    for (let d = 0; d < maxD; d++) {
      if (this.budget <= 0) return undefined;
      this.budget -= 2 * d + 1;
      for (let k = -d + fStart; k <= d - fEnd; k += 2) {
        let x = k === -d || (k !== d && (fw[off + k - 1] as number) < (fw[off + k + 1] as number)) ? (fw[off + k + 1] as number) : (fw[off + k - 1] as number) + 1;
        let y = x - k;
        const x0 = x;
        while (x < n && y < m && xs[a0 + x] === ys[b0 + y]) {
          x++;
          y++;
        }
        this.budget -= x - x0;
        fw[off + k] = x;
        if (x > n) fEnd += 2;
        else if (y > m) fStart += 2;
        else if (odd) {
          const kb = off + delta - k;
          if (kb >= 0 && kb < bw.length && (bw[kb] as number) !== -1 && x >= n - (bw[kb] as number)) return { x: a0 + x, y: b0 + y };
        }
      }
      for (let k = -d + bStart; k <= d - bEnd; k += 2) {
        let x = k === -d || (k !== d && (bw[off + k - 1] as number) < (bw[off + k + 1] as number)) ? (bw[off + k + 1] as number) : (bw[off + k - 1] as number) + 1;
        let y = x - k;
        const x0 = x;
        while (x < n && y < m && xs[a1 - x - 1] === ys[b1 - y - 1]) {
          x++;
          y++;
        }
        this.budget -= x - x0;
        bw[off + k] = x;
        if (x > n) bEnd += 2;
        else if (y > m) bStart += 2;
        else if (!odd) {
          const kf = off + delta - k;
          if (kf >= 0 && kf < fw.length && (fw[kf] as number) !== -1) {
            const fx = fw[kf] as number;
            const fy = fx - (kf - off);
            if (fx >= n - x) return { x: a0 + fx, y: b0 + fy };
          }
        }
      }
    }
    return undefined;
  }
}

/** The edit script from `a` to `b`, as runs in order. */
export function diffLines(a: readonly string[], b: readonly string[], opts: LineDiffOptions = {}): EditRun[] {
  const { x, y } = intern(a, b);
  const d = new Differ(x, y, opts.budget ?? 50_000_000);
  d.run(0, x.length, 0, y.length);
  const runs: EditRun[] = [];
  const push = (op: EditRun['op']): void => {
    const last = runs[runs.length - 1];
    if (last && last.op === op) runs[runs.length - 1] = { op, count: last.count + 1 };
    else runs.push({ op, count: 1 });
  };
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && d.removed[i]) {
      push('-');
      i++;
    } else if (j < y.length && d.added[j]) {
      push('+');
      j++;
    } else {
      push(' ');
      i++;
      j++;
    }
  }
  return runs;
}
