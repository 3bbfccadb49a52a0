/**
 * End to end: a store location that is a file (or lies under a file) is "no store"
 * (exit 10) with one line naming it, for readers, writers and create, before any
 * passphrase is asked for, and no process lingers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, assertOneLineError, cleanupTmpDirs, describeRun, runCoffer, tmpDir } from '../helpers/cli.js';

describe('a store path that is a file', function () {
  after(cleanupTmpDirs);

  it('exits 10 with one line for ls, backup, check, restore and create, also without a passphrase', function () {
    const root = tmpDir();
    const file = path.join(root, 'not-a-store');
    fs.writeFileSync(file, 'just a file\n');
    for (const where of [file, path.join(file, 'below')]) {
      for (const args of [['ls'], ['backup', root], ['check'], ['restore', '--to', path.join(root, 'out'), 'latest'], ['create']]) {
        for (const env of [{}, { COFFER_PASSPHRASE: undefined }]) {
          const r = runCoffer(['at', where, ...args], { env });
          assertExit(r, 10, `${args[0]} at ${where}`);
          assertOneLineError(r);
          assert.match(r.stderr, /is a file, not a store folder/, describeRun(r));
          assert.ok(r.stderr.includes(file), `names the file\n${describeRun(r)}`);
        }
      }
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'just a file\n', 'the file is left alone');
  });
});
