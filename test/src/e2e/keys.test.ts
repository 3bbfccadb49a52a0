/**
 * End to end: several passphrases per store (`coffer at S key list|add|remove|passwd`).
 * A passphrase is added, changed and removed without rewriting any data file; the last
 * key and the key in use are not removed by mistake; the new passphrase comes from
 * COFFER_NEW_PASSPHRASE, a file or a command, never argv, and is never printed; the
 * config always holds a key that opens the store (what older coffers read); a machine
 * that knew the store accepts a config whose passphrase slot changed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, COFFER_BIN, cofferEnv, createStore, describeRun, hasTool, IN_CI, jsonLines, pollUntil, REPO_ROOT, runCoffer, storeFiles, text, tmpDir, type EnvPatch, type RunResult } from '../helpers/cli.js';
import { writeTree } from '../helpers/tree.js';

const P1 = 'first passphrase of the store';
const P2 = 'second passphrase, added';
const P3 = 'third passphrase, changed';
const EXIT_USAGE = 2;
const EXIT_WRONG_PASSPHRASE = 12;

/** Digest of every data, index and snapshot file: they must not change when keys do. */
function dataDigest(store: string): string {
  const h = createHash('sha256');
  for (const sub of ['data', 'index', 'snapshots']) {
    for (const f of [...storeFiles(store, sub).keys()].sort()) h.update(f).update(fs.readFileSync(f));
  }
  return h.digest('hex');
}

describe('several passphrases per store (key list, add, remove, passwd)', function () {
  after(cleanupTmpDirs);

  let root: string;
  let store: string;
  let state: string;
  const run = (pass: string, args: string[], env: EnvPatch = {}): RunResult =>
    runCoffer(['at', store, ...args], { env: { COFFER_PASSPHRASE: pass, COFFER_STATE_DIR: state, ...env } });
  const opens = (pass: string): boolean => run(pass, ['ls']).code === 0;
  const keys = (pass: string): Record<string, unknown>[] => {
    const r = run(pass, ['key', 'list', '--json']);
    assertExit(r, 0, 'key list');
    return jsonLines(r);
  };

  beforeEach(function () {
    root = tmpDir();
    store = path.join(root, 'store');
    state = path.join(root, 'state');
    const src = path.join(root, 'src');
    writeTree(src, { 'a.txt': 'alpha\n', 'b.bin': Buffer.alloc(200_000, 3) });
    createStore(store, [], { env: { COFFER_PASSPHRASE: P1, COFFER_STATE_DIR: state } });
    backupJson(store, src, [], { env: { COFFER_PASSPHRASE: P1, COFFER_STATE_DIR: state } });
  });

  it('key add: both passphrases open the store, no data file changes, the new key is listed; the current one is marked', function () {
    const before = dataDigest(store);
    const add = run(P1, ['key', 'add'], { COFFER_NEW_PASSPHRASE: P2 });
    assertExit(add, 0, 'key add');
    assert.ok(!add.stdout.includes(P2) && !add.stderr.includes(P2), 'the new passphrase is never printed');
    assert.ok(opens(P1) && opens(P2), 'both passphrases open the store');
    assert.ok(!opens('not a passphrase of it'), 'another does not');
    assert.equal(dataDigest(store), before, 'no data, index or snapshot file was rewritten');
    const byP2 = keys(P2);
    assert.equal(byP2.length, 2, JSON.stringify(byP2));
    assert.deepEqual(byP2.map((k) => k.where), ['config', 'file']);
    assert.deepEqual(byP2.map((k) => k.current), [false, true], 'the key the run opened with is the current one');
    assert.deepEqual(keys(P1).map((k) => k.current), [true, false]);
    assert.equal(fs.readdirSync(path.join(store, 'keys')).length, 1, 'one key file');
    assert.deepEqual(fs.readdirSync(path.join(store, 'tmp')), [], 'no temporary file left');
    const info = run(P2, ['info', '--json']);
    assert.equal((JSON.parse(info.stdout) as { keys?: number }).keys, 2, `info counts the passphrases\n${describeRun(info)}`);
  });

  it('key passwd changes the passphrase in use without re-encrypting; the old one stops working; other machines accept the change', function () {
    const other = path.join(root, 'other-machine');
    assertExit(runCoffer(['at', store, 'ls'], { env: { COFFER_PASSPHRASE: P1, COFFER_STATE_DIR: other } }), 0, 'another machine uses the store');
    const before = dataDigest(store);
    const r = run(P1, ['key', 'passwd'], { COFFER_NEW_PASSPHRASE: P3 });
    assertExit(r, 0, 'key passwd');
    assert.ok(!opens(P1), 'the old passphrase no longer opens the store');
    assert.ok(opens(P3), 'the new one does');
    assert.equal(dataDigest(store), before, 'no data, index or snapshot file was rewritten');
    const elsewhere = runCoffer(['at', store, 'cat', 'latest:/a.txt'], { env: { COFFER_PASSPHRASE: P3, COFFER_STATE_DIR: other } });
    assertExit(elsewhere, 0, 'the other machine opens the store with the new passphrase, no trust --reset');
    assert.equal(elsewhere.stdout, 'alpha\n');
    const old = runCoffer(['at', store, 'ls'], { env: { COFFER_PASSPHRASE: P1, COFFER_STATE_DIR: path.join(root, 'third') } });
    assertExit(old, EXIT_WRONG_PASSPHRASE, 'the old passphrase on a new machine');
  });

  it('key passwd of a key file, from a passphrase file and from a command; the id given by prefix', function () {
    assertExit(run(P1, ['key', 'add'], { COFFER_NEW_PASSPHRASE: P2 }), 0, 'key add');
    const fileKey = text(keys(P1).find((k) => k.where === 'file') ?? {}, 'id');
    const pf = path.join(root, 'new-pass');
    fs.writeFileSync(path.join(pf), `${P3}\n`, { mode: 0o600 });
    assertExit(run(P1, ['key', 'passwd', '--new-passphrase-file', pf, fileKey.slice(0, 6)]), 0, 'key passwd ID --new-passphrase-file');
    assert.ok(!opens(P2), 'the key file\'s old passphrase no longer opens');
    assert.ok(opens(P3) && opens(P1), 'its new one and the config\'s do');
    const r = run(P3, ['key', 'passwd'], { COFFER_NEW_PASSPHRASE_CMD: `printf '%s' '${P2}'` });
    assertExit(r, 0, 'key passwd with COFFER_NEW_PASSPHRASE_CMD');
    assert.ok(opens(P2) && !opens(P3), describeRun(r));
  });

  it('refuses to remove the last key and the key in use (without --force); removes others', function () {
    const last = run(P1, ['key', 'remove', text(keys(P1)[0] ?? {}, 'id').slice(0, 8)]);
    assertExit(last, EXIT_USAGE, 'removing the only key');
    assertOneLineError(last);
    assert.match(last.stderr, /last key/, describeRun(last));
    assertExit(run(P1, ['key', 'add'], { COFFER_NEW_PASSPHRASE: P2 }), 0, 'key add');
    const [cfgKey, fileKey] = keys(P1).map((k) => text(k, 'id'));
    const inUse = run(P2, ['key', 'remove', (fileKey as string).slice(0, 8)]);
    assertExit(inUse, EXIT_USAGE, 'removing the key in use');
    assertOneLineError(inUse);
    assert.match(inUse.stderr, /--force/, describeRun(inUse));
    assert.ok(opens(P2), 'still there');
    assertExit(run(P1, ['key', 'remove', (fileKey as string).slice(0, 8)]), 0, 'removing another key');
    assert.ok(!opens(P2) && opens(P1));
    assertExit(run(P1, ['key', 'add'], { COFFER_NEW_PASSPHRASE: P3 }), 0, 'key add again');
    assertExit(run(P1, ['key', 'remove', '--force', (cfgKey as string).slice(0, 8)]), 0, 'removing the key in use with --force');
    assert.ok(!opens(P1) && opens(P3));
  });

  it("removing the config's key moves another into the config: the config alone (what older coffers read) opens with it", function () {
    assertExit(run(P1, ['key', 'add'], { COFFER_NEW_PASSPHRASE: P2 }), 0, 'key add');
    const [cfgKey, fileKey] = keys(P2).map((k) => text(k, 'id'));
    assertExit(run(P2, ['key', 'remove', (cfgKey as string).slice(0, 8)]), 0, "removing the config's key");
    const after = keys(P2);
    assert.deepEqual(after.map((k) => [k.id, k.where]), [[fileKey, 'config']], 'the key file moved into the config, keeping its id');
    assert.deepEqual(fs.readdirSync(path.join(store, 'keys')), [], 'and its file is gone');
    // Without keys/ (a coffer that knows only the config): the remaining passphrase opens it.
    fs.rmSync(path.join(store, 'keys'), { recursive: true });
    assert.ok(opens(P2) && !opens(P1));
  });

  it('a damaged key file is skipped with a warning; the store still opens with the other keys', function () {
    assertExit(run(P1, ['key', 'add'], { COFFER_NEW_PASSPHRASE: P2 }), 0, 'key add');
    const dir = path.join(store, 'keys');
    const f = path.join(dir, fs.readdirSync(dir)[0] as string);
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"coffer-key"', '"coffer-kez"'));
    const r = run(P1, ['key', 'list']);
    assertExit(r, 0, 'key list');
    assert.match(r.stderr, /key file [0-9a-f]{8} skipped: .*damaged/, describeRun(r));
    assertExit(run(P2, ['ls']), EXIT_WRONG_PASSPHRASE, 'the damaged key opens nothing');
  });

  it('a format 1 store (no keys/ folder) takes key files; its config key is not rewritten (other machines would refuse it)', function () {
    store = path.join(root, 'v1');
    fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'store-v1'), store, { recursive: true });
    const V1 = 'fixture-passphrase';
    assert.ok(!fs.existsSync(path.join(store, 'keys')), 'the fixture has no keys/ folder');
    assertExit(run(V1, ['key', 'add'], { COFFER_NEW_PASSPHRASE: P2 }), 0, 'key add on a format 1 store');
    assert.ok(opens(P2) && opens(V1));
    const config = fs.readFileSync(path.join(store, 'config'));
    const r = run(V1, ['key', 'passwd'], { COFFER_NEW_PASSPHRASE: P3 });
    assertExit(r, EXIT_USAGE, "key passwd of a format 1 store's config key");
    assertOneLineError(r);
    assert.match(r.stderr, /key add/, describeRun(r));
    assert.ok(fs.readFileSync(path.join(store, 'config')).equals(config), 'the config is untouched');
    assertExit(run(P2, ['key', 'passwd'], { COFFER_NEW_PASSPHRASE: P3 }), 0, 'key passwd of a key file of a format 1 store');
    assert.ok(opens(P3) && !opens(P2) && opens(V1));
  });

  it('asks for the new passphrase twice on a terminal, without echoing it', async function () {
    if (!hasTool('script')) {
      if (IN_CI) throw new Error('script(1) (bsdutils) is needed for the terminal test');
      this.skip();
    }
    const cmd = `"${process.execPath}" "${COFFER_BIN}" at '${store}' key add`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: cofferEnv({ COFFER_PASSPHRASE: P1, COFFER_STATE_DIR: state }), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Each answer is typed once its prompt is shown (bounded: 100 polls of 100 ms each).
    for (const [prompt, answer] of [['passphrase for the new key', P2], ['repeat passphrase', P2]] as const) {
      assert.ok(await pollUntil(() => out.includes(prompt), 100, 100), `prompt '${prompt}' shown: ${out}`);
      child.stdin.write(`${answer}\n`);
      out = out.replace(prompt, '');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0, out);
    assert.ok(!out.includes(P2), `the passphrase typed is not echoed: ${out}`);
    assert.ok(opens(P2), 'the passphrase typed opens the store');
  });

  it('without a new passphrase and no terminal: one line naming COFFER_NEW_PASSPHRASE (exit 12); an unencrypted store has no keys (exit 2)', function () {
    const r = run(P1, ['key', 'add']);
    assertExit(r, EXIT_WRONG_PASSPHRASE, 'key add without a new passphrase');
    assertOneLineError(r);
    assert.match(r.stderr, /COFFER_NEW_PASSPHRASE/, describeRun(r));
    assert.equal(keys(P1).length, 1, 'nothing added');
    const plain = path.join(root, 'plain');
    createStore(plain, ['--plaintext'], { env: { COFFER_PASSPHRASE: undefined, COFFER_STATE_DIR: state } });
    const p = runCoffer(['at', plain, 'key', 'list'], { env: { COFFER_PASSPHRASE: undefined, COFFER_STATE_DIR: state } });
    assertExit(p, EXIT_USAGE, 'key list on an unencrypted store');
    assertOneLineError(p);
  });
});
