/**
 * The harness's check that a process never outlives its error (issue 11 §3): the
 * synchronous runner reports when a process last printed and when it exited, and the
 * check flags a stand-in that prints a fatal line and then stays alive, but not one that
 * exits at once or one that works silently before its only line.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { LINGER_LIMIT_MS, lingerProblem } from '../helpers/linger.js';
import { asBuffer, runSync } from '../helpers/sync-run.js';

function node(script: string, timeoutMs = 30_000): ReturnType<typeof runSync> {
  return runSync({ file: process.execPath, argv: ['-e', script], env: process.env, cwd: os.tmpdir(), input: 'given input\n', timeoutMs });
}

describe('harness: a process must exit soon after its last line', function () {
  this.timeout(60_000);

  it('flags a process that prints its error and stays alive', () => {
    const r = node(`process.stderr.write('coffer: fatal: the store is gone\\n'); setTimeout(() => process.exit(1), ${LINGER_LIMIT_MS + 1500});`);
    assert.equal(r.code, 1);
    assert.ok(r.lastOutputAt !== undefined && r.exitedAt - r.lastOutputAt > LINGER_LIMIT_MS, `exit ${r.exitedAt - (r.lastOutputAt ?? 0)} ms after the line`);
    assert.match(lingerProblem('stand-in', r) ?? '', /^stand-in exited \d+\.\d s after its last output/);
  });

  it('passes a process that exits right after its line, or works silently first', () => {
    const quick = node(`process.stdin.pipe(process.stdout); process.stdin.on('end', () => process.stderr.write('done\\n'));`);
    assert.equal(quick.code, 0);
    assert.equal(asBuffer(quick.stdout).toString(), 'given input\n');
    assert.equal(asBuffer(quick.stderr).toString(), 'done\n');
    assert.equal(lingerProblem('quick', quick), undefined);
    const silent = node(`setTimeout(() => { console.log('summary'); }, 1500);`);
    assert.ok(silent.exitedAt - silent.startedAt >= 1400);
    assert.equal(lingerProblem('silent', silent), undefined);
  });

  it('kills a process at its time limit', () => {
    const r = node('setInterval(() => {}, 1000);', 1000);
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGKILL');
  });
});
