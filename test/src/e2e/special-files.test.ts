/**
 * FIFOs, device nodes and sockets are recorded as what they are (issue 11 §4): a backup
 * holding them has no errors, `ls` shows their type (p, c, s), and a restore makes the
 * FIFO and (as root) the device node with its numbers, mode and times; a socket is not
 * made, and the restore says so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { assertExit, backupJson, cleanupTmpDirs, createStore, describeRun, IN_CI, IS_ROOT, lines, num, runCoffer, tmpDir } from '../helpers/cli.js';

describe('coffer with FIFOs, devices and sockets', function () {
  let src: string;
  let store: string;
  before(async function () {
    const mknod = spawnSync('mknod', ['--version']).status === 0;
    if (!mknod) {
      if (IN_CI) throw new Error('mknod (coreutils) is missing');
      this.skip();
    }
    src = tmpDir('coffer-special-src-');
    fs.writeFileSync(path.join(src, 'plain.txt'), 'plain\n');
    assert.equal(spawnSync('mknod', ['-m', '640', path.join(src, 'pipe'), 'p']).status, 0, 'mkfifo');
    if (IS_ROOT) assert.equal(spawnSync('mknod', ['-m', '600', path.join(src, 'null-like'), 'c', '1', '3']).status, 0, 'mknod c 1 3');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(src, 'sock'), resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!fs.existsSync(path.join(src, 'sock'))) {
      // Node removed the socket on close: make one that stays with a process that exits without cleaning up.
      spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path.join(src, 'sock'))}, () => process.exit(0))`]);
    }
    assert.ok(fs.lstatSync(path.join(src, 'sock')).isSocket(), 'a socket in the source');
    store = path.join(tmpDir('coffer-special-store-'), 's');
    createStore(store);
  });
  after(cleanupTmpDirs);

  it('backs them up without errors and lists their types', () => {
    const b = backupJson(store, src);
    assert.equal(num(b.summary, 'errors'), 0, describeRun(b.run));
    assert.equal(num(b.summary, 'others'), IS_ROOT ? 3 : 2);
    assertExit(b.run, 0, 'backup');
    const ls = runCoffer(['at', store, 'ls', 'latest']);
    assertExit(ls, 0, 'ls');
    const typeOf = (name: string): string | undefined => lines(ls.stdout).find((l) => l.endsWith(`/${name}`))?.[0];
    assert.equal(typeOf('pipe'), 'p');
    assert.equal(typeOf('sock'), 's');
    if (IS_ROOT) assert.equal(typeOf('null-like'), 'c');
  });

  it('restores the FIFO and, as root, the device node; says the socket is not made', () => {
    const out = tmpDir('coffer-special-out-');
    const r = runCoffer(['at', store, 'restore', '--to', out, 'latest']);
    assert.ok(r.code === 0 || r.code === 3, describeRun(r));
    const pipe = fs.lstatSync(path.join(out, 'pipe'), { bigint: true });
    assert.ok(pipe.isFIFO(), 'the FIFO is a FIFO');
    assert.equal(Number(pipe.mode & 0o7777n), 0o640);
    assert.equal(pipe.mtimeNs / 1000n, fs.lstatSync(path.join(src, 'pipe'), { bigint: true }).mtimeNs / 1000n, 'mtime kept');
    if (IS_ROOT) {
      const dev = fs.lstatSync(path.join(out, 'null-like'), { bigint: true });
      assert.ok(dev.isCharacterDevice(), 'the device is a character device');
      assert.equal(dev.rdev, fs.lstatSync(path.join(src, 'null-like'), { bigint: true }).rdev);
      assert.equal(Number(dev.mode & 0o7777n), 0o600);
    }
    assert.equal(fs.existsSync(path.join(out, 'sock')), false);
    assert.match(r.stdout + r.stderr, /sock.*sockets are not restored/);
    assert.equal(fs.readFileSync(path.join(out, 'plain.txt'), 'utf8'), 'plain\n');
  });
});
