/**
 * End to end: a store host without the passphrase cannot switch encryption off or
 * change the store behind the client's back. A config swapped for a fresh plaintext
 * store's, a forged field with its checksum fixed up, a store deleted and re-created:
 * every command is refused (exit 14, one line), nothing is written to the store, and a
 * deliberate change is accepted with `trust --reset`. The identity memory is trust on
 * first use; a version 1 store still opens.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertExit,
  assertOneLineError,
  backupJson,
  cleanupTmpDirs,
  createStore,
  type EnvPatch,
  runCoffer,
  TEST_PASSPHRASE,
  tmpDir,
} from '../helpers/cli.js';
import { forgeConfig, freshPlaintextConfig, storeListing } from '../helpers/store-forgery.js';
import { writeTree } from '../helpers/tree.js';
import { fixture } from '../unit/fixtures.js';

/** Exit status of a store refused as untrusted (README "Exit codes"). */
const EXIT_UNTRUSTED = 14;

/** An encrypted store with one snapshot of a small tree, made by a client with state folder `state`. */
function encryptedStore(state: string): { root: string; src: string; store: string } {
  const root = tmpDir();
  const src = path.join(root, 'src');
  const store = path.join(root, 'store');
  writeTree(src, { 'a.txt': 'secret content\n', d: { type: 'dir', children: { 'b.txt': 'more secret content\n' } } });
  createStore(store, [], { env: { COFFER_STATE_DIR: state } });
  backupJson(store, src, [], { env: { COFFER_STATE_DIR: state } });
  return { root, src, store };
}

/** Runs each reading and writing verb with `env`; each must be refused with exit 14 and `message`, writing nothing. */
function assertAllRefused(store: string, src: string, env: EnvPatch, message: RegExp): void {
  const before = storeListing(store);
  const out = path.join(tmpDir(), 'restored');
  const runs: string[][] = [
    ['backup', src],
    ['restore', '--to', out, 'latest'],
    ['check'],
    ['ls'],
  ];
  for (const args of runs) {
    const r = runCoffer(['at', store, ...args], { env });
    assertExit(r, EXIT_UNTRUSTED, args[0]);
    assertOneLineError(r);
    assert.match(r.stderr, message, args[0]);
    assert.ok(!r.stderr.includes(TEST_PASSPHRASE), 'the passphrase is never echoed');
  }
  assert.deepEqual(storeListing(store), before, 'nothing was written to the store');
  assert.ok(!fs.existsSync(out), 'restore created nothing');
}

describe('coffer refuses a store whose config was replaced or forged', function () {
  after(cleanupTmpDirs);

  it('a config swapped for a plaintext store’s is refused by a client with the passphrase, seen before or not, and nothing is written', function () {
    const known = tmpDir('coffer-state-');
    const { src, store } = encryptedStore(known);
    fs.writeFileSync(path.join(store, 'config'), freshPlaintextConfig());
    // A client that never used this store: only the passphrase tells it something is wrong.
    assertAllRefused(store, src, { COFFER_STATE_DIR: tmpDir('coffer-state-') }, /claims to be unencrypted but a passphrase was given \(COFFER_PASSPHRASE\): refusing .*unset the passphrase/);
    // The same through a passphrase command and a passphrase file.
    const pwFile = path.join(tmpDir(), 'pw');
    fs.writeFileSync(pwFile, TEST_PASSPHRASE);
    const viaCmd = { COFFER_STATE_DIR: tmpDir('coffer-state-'), COFFER_PASSPHRASE: undefined, COFFER_PASSPHRASE_CMD: `cat ${pwFile}` };
    assertAllRefused(store, src, viaCmd, /claims to be unencrypted.*COFFER_PASSPHRASE_CMD/);
    const r = runCoffer(['--passphrase-file', pwFile, 'at', store, 'backup', src], { env: { COFFER_STATE_DIR: tmpDir('coffer-state-'), COFFER_PASSPHRASE: undefined } });
    assertExit(r, EXIT_UNTRUSTED, 'backup --passphrase-file');
    // The client that created it.
    assertAllRefused(store, src, { COFFER_STATE_DIR: known }, /claims to be unencrypted/);
  });

  it('a client that has used the store refuses the swapped config even without a passphrase', function () {
    const known = tmpDir('coffer-state-');
    const { src, store } = encryptedStore(known);
    fs.writeFileSync(path.join(store, 'config'), freshPlaintextConfig());
    const env = { COFFER_STATE_DIR: known, COFFER_PASSPHRASE: undefined };
    const changed = /not the one this machine used before: its store id changed .*, it was encrypted and now claims to be unencrypted; .*'coffer at .* trust --reset'/;
    assertAllRefused(store, src, env, changed);
    // A reset that cannot open the store (a passphrase is set) keeps what was remembered.
    const reset = runCoffer(['at', store, 'trust', '--reset'], { env: { COFFER_STATE_DIR: known } });
    assertExit(reset, EXIT_UNTRUSTED, 'trust --reset with the passphrase set');
    assert.match(reset.stderr, /claims to be unencrypted/);
    assertAllRefused(store, src, env, changed);
  });

  it('an encrypted version 2 config with a field changed and its checksum fixed up is refused', function () {
    const known = tmpDir('coffer-state-');
    const { src, store } = encryptedStore(known);
    forgeConfig(store, (c) => {
      c.compression = null;
      c.packSize = 1024 * 1024;
    });
    // A new client: the MAC under the master keys, checked once the keys are unwrapped.
    assertAllRefused(store, src, { COFFER_STATE_DIR: tmpDir('coffer-state-') }, /the config of .* does not match its MAC: .*tampering/);
    // A client that knows the store: its remembered config digest, before any passphrase.
    assertAllRefused(store, src, { COFFER_STATE_DIR: known }, /its config file changed/);
  });

  it('a store deleted and re-created at the same location is refused until accepted with trust --reset', function () {
    const known = tmpDir('coffer-state-');
    const { src, store } = encryptedStore(known);
    fs.rmSync(store, { recursive: true });
    // Re-created by someone else (another machine, or a store host with its own passphrase).
    createStore(store, [], { env: { COFFER_STATE_DIR: tmpDir('coffer-state-') } });
    assertAllRefused(store, src, { COFFER_STATE_DIR: known }, /its store id changed \(was [0-9a-f]{8}, now [0-9a-f]{8}\); if it was re-created or changed on purpose, accept it with 'coffer at .* trust --reset'/);
    const reset = runCoffer(['at', store, 'trust', '--reset'], { env: { COFFER_STATE_DIR: known } });
    assertExit(reset, 0, 'trust --reset');
    assert.match(reset.stdout, /^store [0-9a-f]{8} at .*: encrypted, keys [0-9a-f]{16}, known since /m);
    backupJson(store, src, [], { env: { COFFER_STATE_DIR: known } });
    assertExit(runCoffer(['at', store, 'ls'], { env: { COFFER_STATE_DIR: known } }), 0, 'ls after the reset');
  });

  it('first use records the store’s identity (mode 0600, no secret), the second use passes and changes nothing', function () {
    const { store } = encryptedStore(tmpDir('coffer-state-'));
    const state = tmpDir('coffer-state-');
    const dir = path.join(state, 'known-stores');
    assert.ok(!fs.existsSync(dir));
    assertExit(runCoffer(['at', store, 'ls'], { env: { COFFER_STATE_DIR: state } }), 0, 'first ls');
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1, 'one record');
    const file = path.join(dir, files[0] as string);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    const text = fs.readFileSync(file, 'utf8');
    const rec = JSON.parse(text) as Record<string, unknown>;
    const cfg = JSON.parse(fs.readFileSync(path.join(store, 'config'), 'utf8')) as { id: string; encryption: { keys: string } };
    assert.equal(rec.storeId, cfg.id);
    assert.equal(rec.encrypted, true);
    assert.equal(rec.location, store);
    assert.ok(!text.includes(cfg.encryption.keys) && !text.includes(TEST_PASSPHRASE), 'no wrapped keys, no passphrase');
    const mtime = fs.statSync(file).mtimeMs;
    assertExit(runCoffer(['at', store, 'check'], { env: { COFFER_STATE_DIR: state } }), 0, 'second use');
    assert.equal(fs.readFileSync(file, 'utf8'), text, 'the record is unchanged');
    assert.equal(fs.statSync(file).mtimeMs, mtime, 'the record is not rewritten');
  });

  it('a version 1 store (the fixture, no MAC) opens, is remembered, and is refused once its config is swapped', function () {
    const store = path.join(tmpDir(), 'store-v1');
    fs.cpSync(fixture('store-v1'), store, { recursive: true });
    const env = { COFFER_STATE_DIR: tmpDir('coffer-state-'), COFFER_PASSPHRASE: 'fixture-passphrase' };
    assertExit(runCoffer(['at', store, 'ls'], { env }), 0, 'ls of the v1 store');
    assertExit(runCoffer(['at', store, 'check'], { env }), 0, 'check of the v1 store, known');
    fs.writeFileSync(path.join(store, 'config'), freshPlaintextConfig());
    for (const state of [env.COFFER_STATE_DIR, tmpDir('coffer-state-')]) {
      const r = runCoffer(['at', store, 'ls'], { env: { ...env, COFFER_STATE_DIR: state } });
      assertExit(r, EXIT_UNTRUSTED, 'ls of the swapped v1 store');
      assert.match(r.stderr, /claims to be unencrypted/);
    }
  });

  it('sync refuses a receiving store whose config claims no encryption while its passphrase is given', function () {
    const state = tmpDir('coffer-state-');
    const { store } = encryptedStore(state);
    const { store: peer } = encryptedStore(state);
    fs.writeFileSync(path.join(peer, 'config'), freshPlaintextConfig());
    const before = storeListing(peer);
    const r = runCoffer(['at', store, 'sync', 'latest', 'to', peer], { env: { COFFER_STATE_DIR: tmpDir('coffer-state-'), COFFER_TO_PASSPHRASE: TEST_PASSPHRASE } });
    assertExit(r, EXIT_UNTRUSTED, 'sync to a swapped store');
    assertOneLineError(r);
    assert.match(r.stderr, /claims to be unencrypted.*COFFER_TO_PASSPHRASE/);
    assert.deepEqual(storeListing(peer), before, 'nothing written to the peer');
  });
});
