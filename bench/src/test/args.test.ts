/** Unit tests of `npm run bench` option parsing: at least three reps unless --quick, and the scale case's flags. */
import assert from 'node:assert/strict';
import { parseOptions } from '../args.js';
import { BenchError } from '../errors.js';

function usageError(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseOptions(argv), (err: unknown) => err instanceof BenchError && err.exitCode === 2 && pattern.test(err.message));
}

describe('bench options', () => {
  it('runs three reps of every tool and scenario by default', () => {
    const o = parseOptions([]);
    assert.equal(o.reps, 3);
    assert.equal(o.quick, false);
    assert.equal(o.scale, false);
    assert.deepEqual(o.tools, ['coffer', 'restic']);
    assert.deepEqual(o.backends, ['local', 'sftp', 'sftp-source']);
  });

  it('refuses fewer than three reps unless --quick is given', () => {
    usageError(['--reps', '1'], /at least 3/);
    usageError(['--reps', '2'], /--quick/);
    assert.equal(parseOptions(['--reps', '1', '--quick']).reps, 1);
    assert.equal(parseOptions(['--reps', '5']).reps, 5);
    usageError(['--reps', 'x'], /--reps/);
  });

  it('takes the scale case with 1,000,000 files in 10,000 folders by default, on local stores', () => {
    const o = parseOptions(['--scale']);
    assert.equal(o.scaleFiles, 1_000_000);
    assert.equal(o.scaleDirs, 10_000);
    assert.deepEqual(o.backends, ['local']);
    const small = parseOptions(['--scale', '--scale-files', '500']);
    assert.equal(small.scaleDirs, 500);
    usageError(['--scale-files', '100'], /need --scale/);
    usageError(['--scale', '--backends', 'sftp'], /local stores only/);
    usageError(['--scale', '--scale-files', '10', '--scale-dirs', '11'], /--scale-dirs/);
  });
});
