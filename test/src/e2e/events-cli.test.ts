/**
 * End to end: every line the built CLI prints on stdout with --json is an event that
 * parseEvent accepts (shared/src/events.ts), and each verb ends with its summary
 * (or, on failure, the failure line) — for create, backup, restore, check, forget,
 * maintenance and repair on a small store, and check of a damaged one; and every line
 * of ls, locate and diff --json is a listing record that parseListing accepts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type Event, isFailure, parseEvent, parseListing } from '@coffer/shared/events.js';
import { assertExit, backupJson, cleanupTmpDirs, createStore, describeRun, lines, runCoffer, type RunResult, storeFiles, tmpDir } from '../helpers/cli.js';
import { writeTree } from '../helpers/tree.js';

/** Every stdout line of r, parsed; fails on a line that is not an event. */
function events(r: RunResult): Event[] {
  const out = lines(r.stdout);
  assert.ok(out.length > 0, `some output\n${describeRun(r)}`);
  return out.map((l) => {
    const e = parseEvent(l);
    assert.ok(e, `an event: ${l}\n${describeRun(r)}`);
    return e;
  });
}

/** Runs a --json verb that must succeed; returns its events, the last being its summary. */
function run(store: string, args: readonly string[], verb: string): Event[] {
  const r = runCoffer(['at', store, ...args]);
  assertExit(r, 0, args.join(' '));
  const all = events(r);
  const last = all[all.length - 1];
  assert.equal(last?.type === 'summary' ? last.verb : last?.type, verb, `ends with the ${verb} summary\n${describeRun(r)}`);
  return all;
}

describe('--json output is a stream of typed events', function () {
  after(cleanupTmpDirs);

  it('backup, restore, check, forget, maintenance and repair print only events, ending with their summary; ls, locate, diff only records', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    const src = path.join(root, 'src');
    writeTree(src, { 'a.txt': 'alpha\n', sub: { type: 'dir', children: { 'b.bin': Buffer.alloc(200_000, 9), 'c.txt': 'gamma\n' } } });
    const created = run(store, ['create', '--json'], 'created');
    assert.equal(created.length, 1);

    const first = run(store, ['backup', '--json', src], 'backup');
    assert.ok(first.some((e) => e.type === 'status' && e.phase === 'done'), 'a status line for the phase done');
    writeTree(src, { 'a.txt': 'alpha, changed\n' });
    const second = run(store, ['backup', '--json', '--tag', 'x', src], 'backup').at(-1);
    assert.ok(second?.type === 'summary' && second.verb === 'backup' && second.parent !== undefined, 'the second backup names its parent');

    const done = first.at(-1);
    const firstId = done?.type === 'summary' && done.verb === 'backup' ? done.snapshot_id : '';
    for (const [kind, args, count] of [
      ['snapshot', ['ls', '--json'], 2],
      ['entry', ['ls', '--json', '--recursive', 'latest'], 4],
      ['match', ['locate', '--json', '*.txt'], 4],
      ['change', ['diff', '--json', firstId, 'latest'], 1],
    ] as const) {
      const r = runCoffer(['at', store, ...args]);
      assertExit(r, 0, args.join(' '));
      const records = lines(r.stdout).map((l) => parseListing(kind, l));
      assert.ok(records.every((x) => x !== undefined), `every line a ${kind} record\n${describeRun(r)}`);
      assert.equal(records.length, count, `${count} ${kind} records\n${describeRun(r)}`);
    }

    run(store, ['restore', '--json', '--to', path.join(root, 'out'), 'latest'], 'restore');
    const check = run(store, ['check', '--json'], 'check').at(-1);
    assert.ok(check?.type === 'summary' && check.verb === 'check' && check.ok);

    const dry = run(store, ['forget', '--json', '--keep-last', '1'], 'forget');
    const keeps = dry.flatMap((e) => (e.type === 'decision' ? [e.keep] : []));
    assert.deepEqual([...keeps].sort(), [false, true], 'one decision per snapshot: one kept, one forgotten');
    const applied = run(store, ['forget', '--json', '--apply', '--keep-last', '1'], 'forget').at(-1);
    assert.ok(applied?.type === 'summary' && applied.verb === 'forget' && applied.applied && applied.forgotten === 1);

    run(store, ['maintenance', '--json', '--grace', '0s'], 'maintenance');
    run(store, ['repair', 'index', '--json'], 'repair-index');
    run(store, ['repair', 'packs', '--json'], 'repair-packs');
    run(store, ['repair', 'snapshots', '--json'], 'repair-snapshots');
  });

  it('check of a damaged store prints its issues, its summary, then the failure line', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    const src = path.join(root, 'src');
    writeTree(src, { 'big.bin': Buffer.alloc(300_000, 5), 'small.txt': 'small\n' });
    createStore(store);
    backupJson(store, src);
    const [pack] = [...storeFiles(store, 'data')].sort((a, b) => b[1] - a[1]).map(([f]) => f);
    assert.ok(pack, 'the store has a pack file');
    const b = fs.readFileSync(pack);
    for (let i = Math.floor(b.length / 2); i < Math.floor(b.length / 2) + 64 && i < b.length; i++) b[i] = (b[i] ?? 0) ^ 0xff;
    fs.chmodSync(pack, 0o600);
    fs.writeFileSync(pack, b);
    const r = runCoffer(['at', store, 'check', '--json']);
    assertExit(r, 1, 'check of a damaged store');
    const all = events(r);
    assert.ok(all.some((e) => e.type === 'error' && !isFailure(e)), `an issue line\n${describeRun(r)}`);
    const summary = all.at(-2);
    assert.ok(summary?.type === 'summary' && summary.verb === 'check' && !summary.ok, `the check summary, not ok\n${describeRun(r)}`);
    const last = all.at(-1);
    assert.ok(last && isFailure(last) && last.code === 'check-failed' && last.exit === 1, `the failure line\n${describeRun(r)}`);
  });

  it('a failing verb ends with the failure line', function () {
    const root = tmpDir();
    const r = runCoffer(['at', path.join(root, 'none'), 'check', '--json']);
    assert.notEqual(r.code, 0, describeRun(r));
    const last = events(r).at(-1);
    assert.ok(last && isFailure(last), `the failure line\n${describeRun(r)}`);
    assert.equal(last.exit, r.code);
  });
});
