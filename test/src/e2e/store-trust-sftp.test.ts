/**
 * End to end over a real OpenSSH server: the store host (who can write to the store
 * folder but knows no passphrase) swaps the config of an encrypted store for a fresh
 * plaintext store's. Backup, restore, check and ls with the passphrase set are refused
 * (exit 14), whether or not the client used the store before, and nothing is written.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, createStore, runCoffer, tmpDir } from '../helpers/cli.js';
import { sshdForSuite } from '../helpers/sshd.js';
import { freshPlaintextConfig, storeListing } from '../helpers/store-forgery.js';
import { writeTree } from '../helpers/tree.js';

describe('coffer refuses an SFTP store whose config the host replaced', function () {
  const server = sshdForSuite(() => tmpDir(), cleanupTmpDirs);

  it('refuses backup, restore, check and ls with the passphrase set, and writes nothing', () => {
    const { sshd, home } = server;
    const root = tmpDir();
    const src = path.join(root, 'src');
    writeTree(src, { 'a.txt': 'secret over sftp\n' });
    const folder = path.join(sshd.dir, 'store-swapped');
    const url = `sftp://${sshd.user}@${sshd.host}:${sshd.port}${folder}`;
    const known = tmpDir('coffer-state-');
    const env = { HOME: home, SSH_AUTH_SOCK: undefined, COFFER_STATE_DIR: known };
    createStore(url, [], { env });
    backupJson(url, src, [], { env });
    // The host, on its own disk: the store folder is the server's.
    fs.writeFileSync(path.join(folder, 'config'), freshPlaintextConfig());
    const before = storeListing(folder);
    const out = path.join(root, 'out');
    for (const state of [known, tmpDir('coffer-state-')]) {
      for (const args of [['backup', src], ['restore', '--to', out, 'latest'], ['check'], ['ls']]) {
        const r = runCoffer(['at', url, ...args], { env: { ...env, COFFER_STATE_DIR: state } });
        assertExit(r, 14, `${args[0]} over SFTP`);
        assertOneLineError(r);
        assert.match(r.stderr, /claims to be unencrypted but a passphrase was given/);
      }
    }
    assert.deepEqual(storeListing(folder), before, 'nothing was written to the store');
    assert.ok(!fs.existsSync(out), 'restore created nothing');
  });
});
