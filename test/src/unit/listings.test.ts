/**
 * The --json listing records of ls, locate and diff (shared/src/events/listings.ts):
 * every kind round-trips through formatListing / parseListing; a record of another
 * kind, a missing or mistyped field, or a line that is not JSON gives undefined; extra
 * fields are kept; a listing line is never taken for an event.
 */
import assert from 'node:assert/strict';
import { formatListing, type ListingKind, LISTINGS, parseEvent, parseListing } from '@coffer/shared/events.js';

const ID = 'd'.repeat(64);
const COUNTS = { files: 2, dirs: 1, symlinks: 0, others: 0, bytes: 10, newFiles: 2, changedFiles: 0, unchangedFiles: 0, newBytes: 10, storedBytes: 64, durationMs: 5, errors: 0 };

const SAMPLES: { readonly [K in ListingKind]: readonly Record<string, unknown>[] } = {
  snapshot: [
    { id: ID, time: '2026-12-01T22:00:00.000Z', host: 'h', user: 'u', source: { type: 'fs', location: '/src' }, tags: [], summary: COUNTS },
    { id: ID, time: '2026-12-01T22:00:00.000Z', host: 'h', user: 'u', source: { type: 'fs', location: '/src' }, tags: ['t'], summary: COUNTS, parent: ID },
  ],
  entry: [
    { path: '/a.txt', name: 'a.txt', type: 'file', mode: 0o644, mtime: '1', uid: 0, gid: 0, user: 'root', group: 'root', size: 3, mtime_ns: '1' },
    { path: '/l\\xff', name: 'l\\xff', type: 'symlink', mode: 0o777, mtime: '2', target: 'a.txt', mtime_ns: '2', rawPath: 'L2z/', rawName: 'bP8=' },
  ],
  match: [{ snapshot: ID, path: '/sub/a.txt', type: 'file' }],
  change: [{ change: 'M', path: '/a.txt' }, { change: '+', path: '/\\xfe', rawPath: 'L/4=' }],
};

const KINDS = Object.keys(LISTINGS) as ListingKind[];

describe('listings: the --json records of ls, locate and diff', function () {
  it('round-trips every kind, one line each, and is never an event', function () {
    for (const kind of KINDS) {
      for (const r of SAMPLES[kind]) {
        const line = formatListing(kind, r as never);
        assert.ok(!line.includes('\n'));
        assert.deepEqual(parseListing(kind, line), r, `${kind}: ${line}`);
        assert.equal(parseEvent(line), undefined, `not an event: ${line}`);
      }
    }
  });

  it('gives undefined for another kind, a missing or mistyped field, or a line that is not JSON', function () {
    for (const kind of KINDS) {
      for (const bad of ['', 'x', '[]', 'null', '{}']) assert.equal(parseListing(kind, bad), undefined, `${kind}: ${bad}`);
      const r = SAMPLES[kind][0] as Record<string, unknown>;
      for (const other of KINDS.filter((k) => k !== kind)) assert.equal(parseListing(other, JSON.stringify(r)), undefined, `${kind} is not ${other}`);
      for (const key of Object.keys(LISTINGS[kind]).filter((k) => k in r)) {
        assert.equal(parseListing(kind, JSON.stringify({ ...r, [key]: [1] })), undefined, `${kind} with ${key} mistyped`);
      }
    }
    const { path: _p, ...noPath } = SAMPLES.change[0] as Record<string, unknown>;
    assert.equal(parseListing('change', JSON.stringify(noPath)), undefined);
    const s = SAMPLES.snapshot[0] as Record<string, unknown>;
    assert.equal(parseListing('snapshot', JSON.stringify({ ...s, summary: { ...COUNTS, files: 'two' } })), undefined, 'a mistyped count');
  });

  it('keeps fields it does not know', function () {
    const r = { ...(SAMPLES.match[0] as Record<string, unknown>), score: 1 };
    assert.deepEqual(parseListing('match', JSON.stringify(r)), r);
  });
});
