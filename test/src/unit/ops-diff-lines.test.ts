/**
 * The line diff (agent/src/ops/line-diff.ts) and its hunks (diff-file.ts hunkLines):
 * scripts that turn a into b, of minimal length (checked against an LCS table on
 * random small inputs), still correct when the work budget runs out, and hunks with
 * context and line numbers on both sides.
 */
import assert from 'node:assert/strict';
import { diffLines, type EditRun, splitLines } from '@coffer/agent/ops/line-diff.js';
import { hunkLines } from '@coffer/agent/ops/diff-file.js';

/** Applies a script to a; returns b and the number of edits. */
function apply(runs: readonly EditRun[], a: readonly string[], b: readonly string[]): { out: string[]; edits: number } {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  let edits = 0;
  for (const r of runs) {
    for (let k = 0; k < r.count; k++) {
      if (r.op === ' ') {
        assert.equal(a[i], b[j], `kept line ${i + 1}/${j + 1} differs`);
        out.push(a[i++] as string);
        j++;
      } else if (r.op === '-') {
        i++;
        edits++;
      } else {
        out.push(b[j++] as string);
        edits++;
      }
    }
  }
  assert.equal(i, a.length, 'every line of a consumed');
  return { out, edits };
}

/** The length of a shortest edit script (N + M - 2·LCS). */
function shortest(a: readonly string[], b: readonly string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
    }
  }
  return a.length + b.length - 2 * t[0]![0]!;
}

/** A small deterministic random generator (xorshift). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe('ops: line diff', () => {
  it('splits text into lines', () => {
    assert.deepEqual(splitLines(''), []);
    assert.deepEqual(splitLines('a'), ['a']);
    assert.deepEqual(splitLines('a\n'), ['a']);
    assert.deepEqual(splitLines('a\n\nb\n'), ['a', '', 'b']);
  });

  it('gives minimal scripts that turn a into b (500 random cases)', () => {
    const r = rng(42);
    for (let n = 0; n < 500; n++) {
      const gen = (): string[] => Array.from({ length: Math.floor(r() * 30) }, () => 'abcde'[Math.floor(r() * 5)] as string);
      const a = gen();
      const b = gen();
      const runs = diffLines(a, b);
      const { out, edits } = apply(runs, a, b);
      assert.deepEqual(out, b);
      assert.equal(edits, shortest(a, b), `case ${n}: ${a.join('')} → ${b.join('')}`);
    }
  });

  it('stays correct when its budget runs out', () => {
    const r = rng(7);
    const a = Array.from({ length: 3000 }, () => String(Math.floor(r() * 50)));
    const b = Array.from({ length: 3000 }, () => String(Math.floor(r() * 50)));
    const { out } = apply(diffLines(a, b, { budget: 1000 }), a, b);
    assert.deepEqual(out, b);
  });

  it('diffs 100,000 lines with one change quickly and exactly', () => {
    const a = Array.from({ length: 100_000 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[50_000] = 'changed';
    const runs = diffLines(a, b);
    assert.deepEqual(runs, [
      { op: ' ', count: 50_000 },
      { op: '-', count: 1 },
      { op: '+', count: 1 },
      { op: ' ', count: 49_999 },
    ]);
  });

  it('cuts hunks to 3 lines of context with line numbers on both sides', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const b = [...a];
    b.splice(1, 1, 'two');
    b.splice(15, 1);
    const { lines, truncated } = hunkLines(diffLines(a, b), a, b);
    assert.equal(truncated, false);
    assert.deepEqual(
      lines.map((l) => `${l.op}${l.aLine}/${l.bLine} ${l.text}`),
      [
        ' 1/1 l1', '-2/0 l2', '+0/2 two', ' 3/3 l3', ' 4/4 l4', ' 5/5 l5',
        ' 13/13 l13', ' 14/14 l14', ' 15/15 l15', '-16/0 l16', ' 17/16 l17', ' 18/17 l18', ' 19/18 l19',
      ],
    );
    const cut = hunkLines(diffLines(a, b), a, b, 3, 4);
    assert.equal(cut.truncated, true);
    assert.equal(cut.lines.length, 4);
  });
});
