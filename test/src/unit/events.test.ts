/**
 * The --json event contract (shared/src/events.ts): every event type survives
 * formatEvent → parseEvent unchanged, each as one line; lines that are not events, or
 * whose fields are missing or of the wrong kind, give undefined without throwing;
 * fields an event does not define are kept (forward compatibility).
 */
import assert from 'node:assert/strict';
import { type Event, formatEvent, isFailure, parseEvent, parseSummary, SUMMARIES, type SummaryVerb } from '@coffer/shared/events.js';

const ID = 'a'.repeat(64);

/** One event of every type, and a summary of every verb. */
const SAMPLES: readonly Event[] = [
  { type: 'status', phase: 'backup', files: 3, total_files: 10, bytes: 1024, total_bytes: 4096, errors: 0, seconds_elapsed: 2, percent_done: 0.25 },
  { type: 'status', phase: 'scan', files: 0, total_files: 0, bytes: 0, total_bytes: 0, errors: 0, seconds_elapsed: 0 },
  { type: 'error', code: 'locked', exit: 11, message: 'the store at /s is locked by backup on h (pid 7); wait or run unlock' },
  { type: 'error', message: 'pack ab12 is damaged', file: 'data/ab12', snapshot: ID, path: 'dir/f.txt' },
  { type: 'warning', message: 'index file cd34 is not referenced' },
  { type: 'decision', id: ID, keep: true, reasons: ['last', 'daily'] },
  { type: 'decision', id: ID, keep: false, reasons: [] },
  { type: 'snapshot', applied: false, id: ID, action: 'rewritten', lost: ['a/b'], newId: 'b'.repeat(64) },
  { type: 'snapshot', applied: true, id: ID, action: 'removed', lost: [], reason: 'its root is lost' },
  { type: 'created', id: ID, location: '/srv/store', encrypted: true },
  {
    type: 'summary', verb: 'backup', snapshot_id: ID, files: 2, dirs: 1, symlinks: 0, others: 0, bytes: 10, newFiles: 2, changedFiles: 0, unchangedFiles: 0,
    newBytes: 10, storedBytes: 64, durationMs: 12, errors: 0, time: '2026-12-01T22:00:00.000Z', host: 'h', user: 'u', tags: ['t'], source: { type: 'fs', location: '/src' },
  },
  {
    type: 'summary', verb: 'backup', snapshot_id: ID, files: 2, dirs: 1, symlinks: 0, others: 0, bytes: 10, newFiles: 0, changedFiles: 1, unchangedFiles: 1,
    newBytes: 3, storedBytes: 40, durationMs: 9, errors: 1, time: '2026-12-01T22:01:00.000Z', host: 'h', user: 'u', tags: [], source: { type: 'sftp', location: 'sftp://h/src' }, parent: 'c'.repeat(64),
  },
  { type: 'summary', verb: 'restore', snapshot_id: ID, to: '/out', files: 2, dirs: 1, symlinks: 0, bytes: 10, skipped: 0, errors: 0, failed: 0 },
  { type: 'summary', verb: 'check', ok: true, snapshots: 1, files: 2, packsRead: 1, bytesRead: 100, damagedFiles: 0, issues: 0 },
  { type: 'summary', verb: 'forget', applied: true, kept: 1, forgotten: 1, forgotten_ids: [ID] },
  { type: 'summary', verb: 'maintenance', usedBlobs: 5, packsDeleted: 1, bytesFreed: 100, packsRepacked: 0, condemned: 2, indexFilesReplaced: 1 },
  { type: 'summary', verb: 'repair-index', packs: 3, fromOldIndex: [], unreadable: ['ef56'], damagedIndexFiles: [], removed: 2, indexFile: 'ab'.repeat(32) },
  { type: 'summary', verb: 'repair-packs', damaged: ['ab12'], salvaged: 4, lost: 1 },
  { type: 'summary', verb: 'repair-snapshots', applied: false, snapshots: 2 },
];

/** The optional fields of the samples' events (the others are required, but for status counters: see isOptional). */
const OPTIONAL = new Set(['percent_done', 'parent', 'newId', 'reason']);

/** Whether an event may lack field `key`. */
function isOptional(e: Event, key: string): boolean {
  if (e.type === 'status') return key !== 'phase'; // a missing counter reads as 0
  // Without `exit`, an `error` line is a check issue, which may carry extra fields.
  if (e.type === 'error' || e.type === 'warning') return ['snapshot', 'path', 'file', 'exit'].includes(key);
  return OPTIONAL.has(key);
}

/** A value of another kind than v. */
function otherKind(v: unknown): unknown {
  if (typeof v === 'string') return 5;
  return 'x';
}

function withField(e: Event, key: string, value: unknown): string {
  return JSON.stringify({ ...e, [key]: value });
}

describe('events: the --json line contract', function () {
  it('has a sample of every summary verb', function () {
    const verbs = new Set(SAMPLES.flatMap((e) => (e.type === 'summary' ? [e.verb] : [])));
    assert.deepEqual([...verbs].sort(), (Object.keys(SUMMARIES) as SummaryVerb[]).sort());
  });

  it('round-trips every event type through formatEvent and parseEvent, as one line', function () {
    for (const e of SAMPLES) {
      const line = formatEvent(e);
      assert.ok(!line.includes('\n'), line);
      assert.deepEqual(parseEvent(line), e, line);
    }
  });

  it('keeps a message with line breaks on one line', function () {
    const e: Event = { type: 'error', code: 'internal', exit: 1, message: 'two\nlines\r\n' };
    const line = formatEvent(e);
    assert.ok(!/[\r\n]/.test(line), line);
    assert.deepEqual(parseEvent(line), e);
  });

  it('tells the failure line from check issues', function () {
    const failures = SAMPLES.filter(isFailure);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.exit, 11);
    const issue = parseEvent('{"type":"error","message":"m"}');
    assert.ok(issue && !isFailure(issue));
  });

  it('gives undefined for lines that are not events, without throwing', function () {
    const bad = [
      '', ' ', 'snapshot 1234abcd saved', '{', '{"type":"status"', 'null', '42', '"summary"', '[]', '[{"type":"status"}]', '{}',
      '{"type":"nope"}', '{"type":5}', '{"type":"summary"}', '{"type":"summary","verb":"nope","ok":true}',
      '{"type":"summary","verb":"constructor"}', '{"type":"summary","verb":"__proto__"}', '{"type":"summary","verb":"toString"}',
      '{"type":"status","phase":"x","files":1e400,"total_files":0,"bytes":0,"total_bytes":0,"errors":0,"seconds_elapsed":0}',
    ];
    for (const l of bad) assert.equal(parseEvent(l), undefined, l);
  });

  it('rejects an event with a field missing or of the wrong kind', function () {
    for (const e of SAMPLES) {
      for (const [key, value] of Object.entries(e)) {
        if (key === 'type' || key === 'verb') continue;
        assert.equal(parseEvent(withField(e, key, otherKind(value))), undefined, `${formatEvent(e)} with ${key} of another kind`);
        if (isOptional(e, key)) continue;
        const without: Record<string, unknown> = { ...e };
        delete without[key];
        assert.equal(parseEvent(JSON.stringify(without)), undefined, `${formatEvent(e)} without ${key}`);
      }
    }
    assert.equal(parseEvent(withField(SAMPLES[5] as Event, 'reasons', ['last', 3])), undefined, 'an array holding a number');
    assert.equal(parseEvent(withField(SAMPLES[10] as Event, 'source', { type: 'fs' })), undefined, 'a nested object without location');
    assert.equal(parseEvent(withField(SAMPLES[10] as Event, 'source', null)), undefined, 'null for a nested object');
    assert.equal(parseEvent(withField(SAMPLES[0] as Event, 'percent_done', null)), undefined, 'null for an optional number');
  });

  it('accepts a status line that lacks counters (read as 0), not one without its phase', function () {
    assert.deepEqual(parseEvent('{"type":"status","phase":"backup","files":1}'), { type: 'status', phase: 'backup', files: 1 });
    assert.equal(parseEvent('{"type":"status","files":1}'), undefined);
  });

  it('keeps fields it does not know (forward compatibility)', function () {
    for (const e of SAMPLES) {
      const line = JSON.stringify({ ...e, added_later: { x: [1, 2] }, note: 'n' });
      assert.deepEqual(parseEvent(line), { ...e, added_later: { x: [1, 2] }, note: 'n' }, line);
    }
  });

  it('parseSummary gives the summary of the verb asked for only', function () {
    const forget = formatEvent(SAMPLES.find((e) => e.type === 'summary' && e.verb === 'forget') as Event);
    assert.deepEqual(parseSummary(forget, 'forget')?.forgotten_ids, [ID]);
    assert.equal(parseSummary(forget, 'backup'), undefined);
    assert.equal(parseSummary('not json', 'forget'), undefined);
  });
});
