/**
 * End to end: a store location that is a file (or lies under a file) is "no store"
 * (exit 10) with one line naming it, for readers, writers and create, before any
 * passphrase is asked for, and no process lingers; on local disk and over SFTP.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, assertOneLineError, cleanupTmpDirs, describeRun, runCoffer, tmpDir } from '../helpers/cli.js';
import { sshdForSuite } from '../helpers/sshd.js';

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

describe('an SFTP store path that is a file', function () {
  const server = sshdForSuite(() => tmpDir(), cleanupTmpDirs);

  it('exits 10 with one line for ls, backup and create over SFTP', function () {
    const { sshd, home } = server;
    const file = path.join(sshd.dir, 'not-a-store');
    fs.writeFileSync(file, 'just a file\n');
    const env = { HOME: home, SSH_AUTH_SOCK: undefined };
    for (const where of [file, `${file}/below`]) {
      const url = `sftp://${sshd.user}@${sshd.host}:${sshd.port}${where}`;
      for (const args of [['ls'], ['backup', tmpDir()], ['create']]) {
        const r = runCoffer(['at', url, ...args], { env });
        assertExit(r, 10, `${args[0]} at ${url}`);
        assertOneLineError(r);
        assert.match(r.stderr, /is a file, not a store folder/, describeRun(r));
      }
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'just a file\n', 'the file is left alone');
  });
});
