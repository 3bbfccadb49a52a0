/**
 * End to end: the command line itself — version and help output, Plakar's single-dash
 * flag spellings, the default store from COFFER_STORE, fs:// store locations, and the
 * passphrase sources other than COFFER_PASSPHRASE.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertExit,
  assertOneLineError,
  backupJson,
  cleanupTmpDirs,
  COFFER_BIN,
  TEST_PASSPHRASE,
  createStore,
  describeRun,
  jsonLines,
  lines,
  runCoffer,
  snapshotIds,
  text,
  tmpDir,
} from '../helpers/cli.js';
import { writeTree } from '../helpers/tree.js';

describe('coffer command line basics', function () {
  after(cleanupTmpDirs);

  it('version prints coffer/vX.Y.Z, then the importers, exporters and klosets', function () {
    const r = runCoffer(['version']);
    assertExit(r, 0, 'version');
    const out = lines(r.stdout);
    assert.match(out[0] ?? '', /^coffer\/v\d+\.\d+\.\d+$/, describeRun(r));
    for (const l of ['importers: fs', 'exporters: fs', 'klosets: fs']) {
      const found = out.find((x) => x.startsWith(l.split(' ')[0] ?? l));
      assert.ok(found, `a line '${l}…'\n${describeRun(r)}`);
      assert.ok(found.split(/:\s*/)[1]?.split(/,\s*/).includes('fs'), `${found} lists fs`);
    }
    assert.deepEqual(
      out.slice(1).map((l) => l.split(':')[0]),
      ['importers', 'exporters', 'klosets'],
      `the lines after the version, in order\n${describeRun(r)}`,
    );
  });

  it('stops quietly when the reader of its output goes away (| head)', function () {
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${COFFER_BIN}" help | head -c 1 >/dev/null; "${process.execPath}" "${COFFER_BIN}" version | true`], { encoding: 'utf8' });
    assert.equal(r.stderr, '', `no error output, got: ${r.stderr}`);
  });

  it('shows a progress bar on a terminal for backup, restore and check', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    const src = path.join(root, 'src');
    writeTree(src, { 'a.txt': 'alpha\n', 'b.bin': Buffer.alloc(3_000_000, 7) });
    createStore(store);
    const env = { ...process.env, COFFER_PASSPHRASE: TEST_PASSPHRASE };
    for (const args of [['backup', src], ['restore', '--to', path.join(root, 'out'), 'latest'], ['check']]) {
      // script(1) gives the command a pseudo-terminal, as an interactive user has.
      const cmd = `"${process.execPath}" "${COFFER_BIN}" at "${store}" ${args.map((a) => `"${a}"`).join(' ')}`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env });
      assert.equal(r.status, 0, `${args[0]} on a terminal: ${r.stdout}`);
      // check counts the packs it reads; backup and restore count files.
      const unit = args[0] === 'check' ? 'packs' : 'files';
      assert.match(r.stdout, new RegExp(`\\r[^\\n]*\\d+(/\\d+)? ${unit} [^\\n]*/s`), `${args[0]} drew a progress line`);
    }
  });

  it('--help prints the usage and the commands, exit 0', function () {
    const r = runCoffer(['--help']);
    assertExit(r, 0, '--help');
    assert.match(r.stdout, /usage/i, describeRun(r));
    for (const verb of ['create', 'backup', 'restore', 'ls', 'check', 'sync', 'maintenance']) {
      assert.match(r.stdout, new RegExp(`\\b${verb}\\b`), `--help mentions ${verb}\n${describeRun(r)}`);
    }
    assert.equal(r.stderr, '');
  });

  it('a command without arguments or an unknown command is a usage error (exit 2)', function () {
    const none = runCoffer([]);
    assertExit(none, 2, 'no arguments');
    const bad = runCoffer(['at', tmpDir(), 'frobnicate']);
    assertExit(bad, 2, 'unknown command');
    assertOneLineError(bad);
  });

  it("accepts Plakar's single-dash spellings (-plaintext, -tag, -recursive)", function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    writeTree(src, { 'a.txt': 'a\n', d: { type: 'dir', children: { 'b.txt': 'b\n' } } });
    const env = { COFFER_PASSPHRASE: undefined };
    assertExit(runCoffer(['at', store, 'create', '-plaintext'], { env }), 0, 'create -plaintext');
    const { id } = backupJson(store, src, ['-tag', 'x,y'], { env });
    const ls = runCoffer(['at', store, 'ls', '--json'], { env });
    assertExit(ls, 0, 'ls --json');
    const o = jsonLines(ls).find((x) => x.id === id);
    assert.ok(o, 'snapshot listed');
    assert.deepEqual(o.tags, ['x', 'y'], '-tag x,y tags the snapshot');
    const rec = runCoffer(['at', store, 'ls', '-recursive', 'latest:/'], { env });
    assertExit(rec, 0, 'ls -recursive');
    assert.match(rec.stdout, /\/d\/b\.txt/, describeRun(rec));
  });

  it('uses COFFER_STORE when no store is given with at', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    writeTree(src, { 'a.txt': 'a\n' });
    createStore(store);
    const { id } = backupJson(store, src);
    const r = runCoffer(['ls'], { env: { COFFER_STORE: store } });
    assertExit(r, 0, 'ls with COFFER_STORE');
    assert.ok(lines(r.stdout).some((l) => l.includes(id.slice(0, 8))), describeRun(r));
    const j = runCoffer(['ls', '--json'], { env: { COFFER_STORE: store } });
    assertExit(j, 0, 'ls --json with COFFER_STORE');
    assert.deepEqual(
      jsonLines(j).map((o) => text(o, 'id')),
      [id],
    );
  });

  it('accepts fs:///absolute/path as a store location', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    const url = `fs://${store}`;
    writeTree(src, { 'a.txt': 'through a URL\n' });
    createStore(url);
    assert.ok(fs.existsSync(path.join(store, 'config')), 'the store is created at the path of the URL');
    const { id } = backupJson(url, src);
    assert.deepEqual(snapshotIds(url), [id]);
    assert.deepEqual(snapshotIds(store), [id], 'the same store by plain path');
    const c = runCoffer(['at', url, 'cat', 'latest:/a.txt']);
    assertExit(c, 0, 'cat through fs://');
    assert.equal(c.stdout, 'through a URL\n');
  });

  it('reads the passphrase from --passphrase-file', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    const file = path.join(root, 'passphrase');
    const wrong = path.join(root, 'wrong');
    fs.writeFileSync(file, 'from a file\n', { mode: 0o600 });
    fs.writeFileSync(wrong, 'not it\n', { mode: 0o600 });
    writeTree(src, { 'a.txt': 'a\n' });
    const env = { COFFER_PASSPHRASE: undefined };
    assertExit(runCoffer(['--passphrase-file', file, 'at', store, 'create'], { env }), 0, 'create with --passphrase-file');
    const { id } = backupJson(store, src, [], { env: { COFFER_PASSPHRASE: 'from a file' } });
    const r = runCoffer(['--passphrase-file', file, 'at', store, 'ls', '--json'], { env });
    assertExit(r, 0, 'ls with --passphrase-file');
    assert.deepEqual(
      jsonLines(r).map((o) => text(o, 'id')),
      [id],
    );
    const w = runCoffer(['--passphrase-file', wrong, 'at', store, 'ls'], { env });
    assertExit(w, 12, 'ls with the wrong --passphrase-file');
    assertOneLineError(w);
  });

  it('reads the passphrase from COFFER_PASSPHRASE_CMD', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    writeTree(src, { 'a.txt': 'a\n' });
    const env = { COFFER_PASSPHRASE: undefined, COFFER_PASSPHRASE_CMD: 'echo secret' };
    assertExit(runCoffer(['at', store, 'create'], { env }), 0, 'create with COFFER_PASSPHRASE_CMD');
    const { id } = backupJson(store, src, [], { env });
    assert.deepEqual(snapshotIds(store, { env: { COFFER_PASSPHRASE: 'secret' } }), [id], 'the command printed the passphrase');
    assertExit(runCoffer(['at', store, 'ls'], { env: { COFFER_PASSPHRASE: undefined, COFFER_PASSPHRASE_CMD: 'echo other' } }), 12, 'another command output is the wrong passphrase');
  });
});
