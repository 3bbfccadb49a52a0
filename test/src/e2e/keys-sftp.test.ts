/**
 * End to end over a real OpenSSH server: key slots on an SFTP store, one made before
 * keys/ existed (its folder removed, as on stores made by older coffers). key add creates
 * the folder; key passwd of the config's key replaces the config in one step
 * (posix-rename@openssh.com); the old passphrase stops working, no temporary file stays.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, backupJson, cleanupTmpDirs, createStore, runCoffer, tmpDir } from '../helpers/cli.js';
import { sshdForSuite } from '../helpers/sshd.js';
import { writeTree } from '../helpers/tree.js';

describe('key slots on an SFTP store', function () {
  const server = sshdForSuite(() => tmpDir(), cleanupTmpDirs);

  it('key add on a store without keys/, then key passwd of the config key, over SFTP', () => {
    const { sshd, home } = server;
    const root = tmpDir();
    const src = path.join(root, 'src');
    writeTree(src, { 'a.txt': 'over sftp\n' });
    const folder = path.join(sshd.dir, 'store-keys');
    const url = `sftp://${sshd.user}@${sshd.host}:${sshd.port}${folder}`;
    const env = { HOME: home, SSH_AUTH_SOCK: undefined, COFFER_STATE_DIR: tmpDir('coffer-state-'), COFFER_PASSPHRASE: 'p1 over sftp' };
    createStore(url, [], { env });
    backupJson(url, src, [], { env });
    fs.rmSync(path.join(folder, 'keys'), { recursive: true, force: true });
    const opens = (pass: string): boolean => runCoffer(['at', url, 'cat', 'latest:/a.txt'], { env: { ...env, COFFER_PASSPHRASE: pass } }).code === 0;
    assertExit(runCoffer(['at', url, 'key', 'add'], { env: { ...env, COFFER_NEW_PASSPHRASE: 'p2 over sftp' } }), 0, 'key add');
    assert.equal(fs.readdirSync(path.join(folder, 'keys')).length, 1, 'keys/ made, one key file');
    assert.ok(opens('p1 over sftp') && opens('p2 over sftp'));
    assertExit(runCoffer(['at', url, 'key', 'passwd'], { env: { ...env, COFFER_NEW_PASSPHRASE: 'p3 over sftp' } }), 0, 'key passwd');
    assert.ok(!opens('p1 over sftp') && opens('p3 over sftp') && opens('p2 over sftp'));
    assert.deepEqual(fs.readdirSync(path.join(folder, 'tmp')), [], 'no temporary file left');
  });
});
