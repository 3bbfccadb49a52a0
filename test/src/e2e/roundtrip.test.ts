/**
 * End to end: back a tree up with the real `coffer` command and get it back, then the
 * read-only verbs (ls, cat, digest, diff, locate, info), backup options, plaintext
 * stores, sync between stores, and retention with maintenance.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertExit,
  backupJson,
  cleanupTmpDirs,
  createStore,
  describeRun,
  hasTool,
  IN_CI,
  IS_ROOT,
  jsonLines,
  jsonSummary,
  lines,
  num,
  runCoffer,
  snapshotIds,
  storeBytes,
  storeFiles,
  text,
  tmpDir,
  type RunResult,
} from '../helpers/cli.js';
import { assertSameTree, getXattr, type Manifest, setXattr, sha256Tree, subManifest, type TreeSpec, writeTree } from '../helpers/tree.js';

/**
 * Tests whose subject is not time precision compare mtimes to the millisecond, so a
 * sub-millisecond defect shows in the main round trip only.
 */
const COARSE_MTIME = { mtimeToleranceNs: 1_000_000n } as const;

/** Distinct fractional mtimes (seconds): a microsecond part and a sub-microsecond part. */
const T = (k: number): number => 1_600_000_000 + k * 3_600 + 0.123456 + k * 0.0000113;

const OWNED = { uid: 1234, gid: 1234 };
const HAS_SETFATTR = hasTool('setfattr') && hasTool('getfattr');

/** The source tree of the main round trip. */
function mainSpec(src: string): TreeSpec {
  return {
    'readme.txt': { type: 'file', content: 'hello coffer\n', mtime: T(1) },
    'empty.txt': { type: 'file', content: '', mtime: T(2) },
    emptydir: { type: 'dir', mtime: T(3) },
    'random.bin': { type: 'file', content: randomBytes(5 * 1024 * 1024), mtime: T(4) },
    'script.sh': { type: 'file', content: '#!/bin/sh\necho hi\n', mode: 0o755, mtime: T(5) },
    setuid: { type: 'file', content: '#!/bin/sh\n# setuid\n', mode: 0o4755, mtime: T(6) },
    setgid: { type: 'file', content: '#!/bin/sh\n# setgid\n', mode: 0o2755, mtime: T(7) },
    'private.txt': { type: 'file', content: 'only me\n', mode: 0o600, mtime: T(8) },
    sticky: {
      type: 'dir',
      mode: 0o1777,
      mtime: T(9),
      children: { 'inside.txt': { type: 'file', content: 'in a sticky dir\n', mtime: T(10) } },
    },
    docs: {
      type: 'dir',
      mtime: T(11),
      children: {
        'guide.txt': { type: 'file', content: 'a guide\n'.repeat(1000), mtime: T(12) },
        'notes.md': { type: 'file', content: '# notes\n', mtime: T(13) },
        'spaces in name.txt': { type: 'file', content: 'spaces\n', mtime: T(14) },
      },
    },
    'link-rel': { type: 'symlink', target: 'docs/guide.txt', mtime: T(15) },
    'link-abs': { type: 'symlink', target: path.join(src, 'docs', 'guide.txt'), mtime: T(16) },
    'link-dangling': { type: 'symlink', target: '/nonexistent/coffer-e2e/target', mtime: T(17) },
    'hard-a.txt': { type: 'file', content: 'one inode, two names\n', mtime: T(18) },
    'hard-b.txt': { type: 'hardlink', to: 'hard-a.txt' },
    sub: {
      type: 'dir',
      mtime: T(19),
      children: {
        dir: {
          type: 'dir',
          mode: 0o750,
          mtime: T(20),
          children: {
            'one.txt': { type: 'file', content: 'one\n', mode: 0o640, mtime: T(21) },
            'two.bin': { type: 'file', content: randomBytes(100_000), mtime: T(22) },
            inner: { type: 'dir', mtime: T(23), children: { 'three.txt': { type: 'file', content: 'three\n', mtime: T(24) } } },
            empty: { type: 'dir', mtime: T(25) },
          },
        },
      },
    },
    nested: {
      type: 'dir',
      mtime: T(26),
      children: { a: { type: 'dir', mtime: T(27), children: { b: { type: 'dir', mtime: T(28), children: { c: { type: 'dir', mtime: T(29), children: { 'deep.txt': { type: 'file', content: 'deep\n', mtime: T(30) } } } } } } } },
    },
    'owned.txt': { type: 'file', content: 'owned by 1234\n', mtime: T(31), ...(IS_ROOT ? { owner: OWNED } : {}) },
    'xattr.txt': { type: 'file', content: 'has an xattr\n', mtime: T(32) },
  };
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

describe('coffer backup and restore', function () {
  let root: string;
  let src: string;
  let store: string;
  let snapId: string;
  let manifest: Manifest;
  let xattrsSet = false;
  let restored: { dir: string; run: RunResult } | undefined;

  /** Restores the main snapshot once, into a new directory. */
  function restoreAll(): { dir: string; run: RunResult } {
    if (restored) return restored;
    const dir = path.join(root, 'restored-all');
    const run = runCoffer(['at', store, 'restore', '--to', dir, snapId]);
    restored = { dir, run };
    return restored;
  }

  before(function () {
    root = tmpDir();
    src = path.join(root, 'src');
    store = path.join(root, 'store');
    writeTree(src, mainSpec(src));
    if (HAS_SETFATTR) {
      try {
        setXattr(path.join(src, 'xattr.txt'), 'user.test', 'hello');
        setXattr(path.join(src, 'docs'), 'user.dir', 'on a dir');
        xattrsSet = true;
      } catch (err) {
        if (IN_CI) throw err;
      }
    }
    // Setting xattrs changes ctime only; set the times once more, root last.
    fs.utimesSync(path.join(src, 'xattr.txt'), T(32), T(32));
    fs.utimesSync(path.join(src, 'docs'), T(11), T(11));
    fs.utimesSync(src, T(0), T(0));
    createStore(store);
    snapId = backupJson(store, src).id;
    manifest = sha256Tree(src);
  });

  after(cleanupTmpDirs);

  it('restores content, modes, mtimes, symlinks and hardlinks', function () {
    const { dir, run } = restoreAll();
    assertExit(run, 0, 'restore');
    assertSameTree(manifest, sha256Tree(dir), { owner: IS_ROOT });
  });

  it('restores setuid, setgid and sticky bits', function () {
    const { dir, run } = restoreAll();
    assertExit(run, 0, 'restore');
    assert.equal(fs.statSync(path.join(dir, 'setuid')).mode & 0o7777, 0o4755);
    assert.equal(fs.statSync(path.join(dir, 'setgid')).mode & 0o7777, 0o2755);
    assert.equal(fs.statSync(path.join(dir, 'sticky')).mode & 0o7777, 0o1777);
    assert.equal(fs.statSync(path.join(dir, 'script.sh')).mode & 0o7777, 0o755);
  });

  it('restores symlink targets verbatim (relative, absolute, dangling)', function () {
    const { dir, run } = restoreAll();
    assertExit(run, 0, 'restore');
    assert.equal(fs.readlinkSync(path.join(dir, 'link-rel')), 'docs/guide.txt');
    assert.equal(fs.readlinkSync(path.join(dir, 'link-abs')), path.join(src, 'docs', 'guide.txt'));
    assert.equal(fs.readlinkSync(path.join(dir, 'link-dangling')), '/nonexistent/coffer-e2e/target');
  });

  it('restores a hardlinked pair as one inode', function () {
    const { dir, run } = restoreAll();
    assertExit(run, 0, 'restore');
    const a = fs.statSync(path.join(dir, 'hard-a.txt'));
    const b = fs.statSync(path.join(dir, 'hard-b.txt'));
    assert.equal(a.ino, b.ino, 'hard-a.txt and hard-b.txt must share an inode');
    assert.equal(a.nlink, 2);
  });

  it('restores extended attributes', function () {
    if (!xattrsSet) {
      assert.ok(!IN_CI, 'setfattr/getfattr are required in CI');
      this.skip();
    }
    const { dir, run } = restoreAll();
    assertExit(run, 0, 'restore');
    assert.equal(getXattr(path.join(dir, 'xattr.txt'), 'user.test'), 'hello');
    assert.equal(getXattr(path.join(dir, 'docs'), 'user.dir'), 'on a dir');
  });

  it('restores ownership when running as root', function () {
    if (!IS_ROOT) this.skip();
    const { dir, run } = restoreAll();
    assertExit(run, 0, 'restore');
    const st = fs.lstatSync(path.join(dir, 'owned.txt'));
    assert.deepEqual({ uid: st.uid, gid: st.gid }, OWNED);
  });

  it('restores a sub-directory path: its content lands directly in the target', function () {
    const to = path.join(root, 'restored-subdir');
    const r = runCoffer(['at', store, 'restore', '--to', to, 'latest:/sub/dir']);
    assertExit(r, 0, 'restore latest:/sub/dir');
    assertSameTree(subManifest(manifest, 'sub/dir'), sha256Tree(to), { owner: IS_ROOT, root: false, ...COARSE_MTIME });
  });

  it('restores a single file path into the target under its own name', function () {
    const to = path.join(root, 'restored-file');
    const r = runCoffer(['at', store, 'restore', '--to', to, 'latest:/sub/dir/one.txt']);
    assertExit(r, 0, 'restore latest:/sub/dir/one.txt');
    const one = manifest.get('sub/dir/one.txt');
    assert.ok(one);
    assertSameTree(new Map([['one.txt', one]]), sha256Tree(to), { owner: IS_ROOT, root: false, ...COARSE_MTIME });
  });

  it('never overwrites existing files by default: skips them with a message', function () {
    const to = path.join(root, 'restored-existing');
    fs.mkdirSync(to);
    fs.writeFileSync(path.join(to, 'readme.txt'), 'mine, keep me\n');
    const r = runCoffer(['at', store, 'restore', '--to', to, snapId]);
    assertExit(r, 0, 'restore over an existing file');
    assert.equal(fs.readFileSync(path.join(to, 'readme.txt'), 'utf8'), 'mine, keep me\n');
    assert.match(r.stderr, /readme\.txt/, `the skipped file must be named on stderr\n${describeRun(r)}`);
    assert.equal(fs.readFileSync(path.join(to, 'docs', 'notes.md'), 'utf8'), '# notes\n');
  });

  it('cat prints the exact bytes of a file', function () {
    for (const rel of ['random.bin', 'readme.txt', 'empty.txt', 'sub/dir/two.bin', 'docs/spaces in name.txt']) {
      const r = runCoffer(['at', store, 'cat', `latest:/${rel}`]);
      assertExit(r, 0, `cat ${rel}`);
      const want = fs.readFileSync(path.join(src, rel));
      assert.equal(r.stdoutBytes.length, want.length, `cat ${rel}: length`);
      assert.ok(r.stdoutBytes.equals(want), `cat ${rel}: bytes differ`);
    }
  });

  it('digest prints the SHA-256 as sha256sum does', function () {
    const file = path.join(src, 'random.bin');
    const want = sha256(fs.readFileSync(file));
    const r = runCoffer(['at', store, 'digest', 'latest:/random.bin']);
    assertExit(r, 0, 'digest');
    const out = lines(r.stdout);
    assert.equal(out.length, 1, describeRun(r));
    assert.match(out[0] ?? '', /^[0-9a-f]{64} {2}\S*random\.bin$/, describeRun(r));
    assert.equal((out[0] ?? '').slice(0, 64), want);
    if (process.platform === 'linux') {
      const s = spawnSync('sha256sum', [file], { encoding: 'utf8' });
      if (s.status === 0) assert.equal((out[0] ?? '').slice(0, 64), s.stdout.slice(0, 64), 'digest vs sha256sum');
    }
  });

  it('ls lists one line per snapshot with the short id in the second column', function () {
    const ids = snapshotIds(store);
    const r = runCoffer(['at', store, 'ls']);
    assertExit(r, 0, 'ls');
    const out = lines(r.stdout);
    assert.equal(out.length, ids.length, `one line per snapshot\n${describeRun(r)}`);
    const shorts = out.map((l) => l.trim().split(/\s+/)[1] ?? '');
    for (const s of shorts) {
      assert.match(s, /^[0-9a-f]{4,64}$/, `second column must be a short snapshot id, got '${s}'\n${describeRun(r)}`);
      assert.equal(ids.filter((id) => id.startsWith(s)).length, 1, `short id ${s} must name one snapshot`);
    }
    assert.ok(shorts.some((s) => snapId.startsWith(s)), 'the backed up snapshot is listed');
  });

  it('ls latest:/ lists the entries of the root', function () {
    const r = runCoffer(['at', store, 'ls', 'latest:/']);
    assertExit(r, 0, 'ls latest:/');
    const out = lines(r.stdout);
    const top = [...manifest.keys()].filter((k) => k !== '' && !k.includes('/'));
    assert.equal(out.length, top.length, `one line per entry\n${describeRun(r)}`);
    for (const name of top) assert.ok(out.some((l) => l.includes(`/${name}`)), `ls latest:/ must list ${name}\n${describeRun(r)}`);
  });

  it('ls --json prints one JSON object per snapshot with its id', function () {
    const r = runCoffer(['at', store, 'ls', '--json']);
    assertExit(r, 0, 'ls --json');
    const objs = jsonLines(r);
    assert.ok(objs.length >= 1);
    for (const o of objs) assert.match(text(o, 'id'), /^[0-9a-f]{64}$/);
    assert.ok(objs.some((o) => o.id === snapId), `ls --json must list ${snapId}`);
  });

  it('ls --recursive lists nested entries', function () {
    const r = runCoffer(['at', store, 'ls', '--recursive', 'latest:/nested']);
    assertExit(r, 0, 'ls --recursive');
    assert.match(r.stdout, /\/nested\/a\/b\/c\/deep\.txt/, describeRun(r));
  });

  it('locate finds files by glob as shortid:/path', function () {
    const r = runCoffer(['at', store, 'locate', '*.txt']);
    assertExit(r, 0, 'locate');
    const mine = lines(r.stdout).filter((l) => {
      const m = /^([0-9a-f]{4,64}):\//.exec(l);
      return m !== null && snapId.startsWith(m[1] ?? '-');
    });
    const found = new Set(mine.map((l) => l.slice(l.indexOf(':') + 1)));
    // The original absolute paths, as ls shows them.
    const want = new Set([...manifest.keys()].filter((k) => k.endsWith('.txt')).map((k) => `${src}/${k}`));
    assert.deepEqual([...found].sort(), [...want].sort(), describeRun(r));
  });

  it('info describes the store and a snapshot', function () {
    const r = runCoffer(['at', store, 'info']);
    assertExit(r, 0, 'info');
    assert.ok(r.stdout.trim().length > 0, describeRun(r));
    const s = runCoffer(['at', store, 'info', snapId.slice(0, 8)]);
    assertExit(s, 0, 'info <snapshot>');
    assert.ok(s.stdout.includes(snapId), `info <snapshot> must show the full id\n${describeRun(s)}`);
  });

  it('a second backup of an unchanged tree reports 0 new files', function () {
    const r = runCoffer(['at', store, 'backup', src]);
    assertExit(r, 0, 'second backup');
    assert.match(r.stdout, /(^|\D)0 new\b/, describeRun(r));
    const j = backupJson(store, src);
    assert.equal(num(j.summary, 'newFiles'), 0, describeRun(j.run));
    assert.equal(num(j.summary, 'changedFiles'), 0, describeRun(j.run));
  });

  it('backup --json ends with a summary line holding the snapshot id', function () {
    const r = runCoffer(['at', store, 'backup', '--json', src]);
    assertExit(r, 0, 'backup --json');
    const s = jsonSummary(r);
    assert.equal(s.type, 'summary');
    const id = text(s, 'snapshot_id');
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.ok(snapshotIds(store).includes(id), 'the summary names a listed snapshot');
  });

  it('backup --check verifies the new snapshot', function () {
    const r = runCoffer(['at', store, 'backup', '--check', src]);
    assertExit(r, 0, 'backup --check');
  });

  it('rm without --apply removes nothing', function () {
    const before = snapshotIds(store);
    const files = [...storeFiles(store, 'snapshots').keys()].sort();
    const r = runCoffer(['at', store, 'rm', snapId]);
    assertExit(r, 0, 'rm (dry run)');
    assert.deepEqual(snapshotIds(store), before);
    assert.deepEqual([...storeFiles(store, 'snapshots').keys()].sort(), files);
    const t = runCoffer(['at', store, 'rm', '--older', '0s']);
    assertExit(t, 0, 'rm --older 0s (dry run)');
    assert.deepEqual(snapshotIds(store), before);
  });

  it('check passes on a healthy store', function () {
    const r = runCoffer(['at', store, 'check']);
    assertExit(r, 0, 'check');
    const f = runCoffer(['at', store, 'check', '--fast']);
    assertExit(f, 0, 'check --fast');
    const p = runCoffer(['at', store, 'check', '--read-data-subset', '1/2']);
    assertExit(p, 0, 'check --read-data-subset 1/2');
  });
});

describe('coffer backup options', function () {
  let root: string;
  let src: string;
  let store: string;

  before(function () {
    root = tmpDir();
    src = path.join(root, 'src');
    store = path.join(root, 'store');
    writeTree(src, {
      'a.txt': 'a\n',
      'b.log': 'log\n',
      'keep.dat': 'data\n',
      'skip.tmp': 'tmp\n',
      sub: { type: 'dir', children: { 'c.log': 'log\n', 'd.txt': 'd\n', 'e.tmp': 'tmp\n' } },
    });
    createStore(store);
  });

  after(cleanupTmpDirs);

  function pathsOf(id: string): string[] {
    const r = runCoffer(['at', store, 'ls', '--recursive', '--json', `${id}:/`]);
    assertExit(r, 0, 'ls --recursive --json');
    // Paths below the source (ls shows the original absolute paths).
    return jsonLines(r)
      .map((o) => text(o, 'path'))
      .map((p) => (p.startsWith(`${src}/`) ? p.slice(src.length) : p))
      .sort();
  }

  it('--ignore excludes matching files', function () {
    const { id } = backupJson(store, src, ['--ignore', '*.log']);
    const paths = pathsOf(id);
    assert.ok(!paths.some((p) => p.endsWith('.log')), `no .log file expected: ${paths.join(' ')}`);
    for (const p of ['/a.txt', '/keep.dat', '/skip.tmp', '/sub/d.txt']) assert.ok(paths.includes(p), `${p} expected in ${paths.join(' ')}`);
  });

  it('--ignore-file reads patterns from a file', function () {
    const f = path.join(root, 'ignore-list');
    fs.writeFileSync(f, '*.tmp\n*.log\n');
    const { id } = backupJson(store, src, ['--ignore-file', f]);
    const paths = pathsOf(id);
    assert.ok(!paths.some((p) => p.endsWith('.tmp') || p.endsWith('.log')), `no .tmp or .log expected: ${paths.join(' ')}`);
    for (const p of ['/a.txt', '/keep.dat', '/sub/d.txt']) assert.ok(paths.includes(p), `${p} expected in ${paths.join(' ')}`);
  });

  it('--tag a,b shows in ls', function () {
    const { id } = backupJson(store, src, ['--tag', 'a,b']);
    const j = runCoffer(['at', store, 'ls', '--json']);
    assertExit(j, 0, 'ls --json');
    const o = jsonLines(j).find((x) => x.id === id);
    assert.ok(o, `snapshot ${id} listed`);
    assert.deepEqual(o.tags, ['a', 'b']);
    const r = runCoffer(['at', store, 'ls']);
    assertExit(r, 0, 'ls');
    const line = lines(r.stdout).find((l) => (l.trim().split(/\s+/).some((w) => w.length >= 4 && id.startsWith(w))));
    assert.ok(line, `a line for ${id.slice(0, 8)}\n${describeRun(r)}`);
    assert.match(line, /(^|[\s=,:])a([\s,]|$)/, `tag a shown: ${line}`);
    assert.match(line, /(^|[\s=,:])b([\s,]|$)/, `tag b shown: ${line}`);
  });

  it('diff shows added (+), removed (-) and modified (M) files', function () {
    const d = path.join(root, 'diffsrc');
    writeTree(d, { 'keep.txt': 'same\n', 'remove.txt': 'bye\n', 'modify.txt': 'before\n', dir: { type: 'dir', children: { 'x.txt': 'x\n' } } });
    const a = backupJson(store, d).id;
    fs.rmSync(path.join(d, 'remove.txt'));
    fs.writeFileSync(path.join(d, 'added.txt'), 'new\n');
    fs.writeFileSync(path.join(d, 'modify.txt'), 'after, and longer\n');
    fs.writeFileSync(path.join(d, 'dir', 'y.txt'), 'y\n');
    const b = backupJson(store, d).id;
    const r = runCoffer(['at', store, 'diff', a, b]);
    assertExit(r, 0, 'diff');
    const out = lines(r.stdout);
    for (const want of ['+ /added.txt', '- /remove.txt', 'M /modify.txt', '+ /dir/y.txt'].map((w) => w.replace(' /', ` ${d}/`))) {
      assert.ok(out.includes(want), `diff must print '${want}'\n${describeRun(r)}`);
    }
    assert.ok(!out.some((l) => l.includes('keep.txt')), `unchanged keep.txt must not appear\n${describeRun(r)}`);
    const p = runCoffer(['at', store, 'diff', `${a}:/dir`, `${b}:/dir`]);
    assertExit(p, 0, 'diff of a path');
    assert.ok(lines(p.stdout).includes(`+ ${d}/dir/y.txt`), describeRun(p));
  });
});

describe('coffer plaintext stores', function () {
  after(cleanupTmpDirs);

  it('round-trips without any passphrase set', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    const to = path.join(root, 'restored');
    writeTree(src, {
      'a.txt': { type: 'file', content: 'plain\n', mtime: T(1) },
      'b.bin': { type: 'file', content: randomBytes(300_000), mtime: T(2) },
      d: { type: 'dir', mtime: T(3), children: { 'c.txt': { type: 'file', content: 'c\n', mode: 0o600, mtime: T(4) } } },
      l: { type: 'symlink', target: 'a.txt' },
    });
    fs.utimesSync(src, T(0), T(0));
    const manifest = sha256Tree(src);
    const env = { COFFER_PASSPHRASE: undefined, COFFER_PASSPHRASE_CMD: undefined };
    assertExit(runCoffer(['at', store, 'create', '--plaintext'], { env }), 0, 'create --plaintext');
    const { id } = backupJson(store, src, [], { env });
    assertExit(runCoffer(['at', store, 'ls'], { env }), 0, 'ls');
    assertExit(runCoffer(['at', store, 'check'], { env }), 0, 'check');
    assertExit(runCoffer(['at', store, 'restore', '--to', to, id], { env }), 0, 'restore');
    assertSameTree(manifest, sha256Tree(to), { owner: IS_ROOT, symlinkMtime: false, ...COARSE_MTIME });
  });
});

describe('coffer sync between stores', function () {
  after(cleanupTmpDirs);

  it('copies a snapshot to a store with another passphrase, which checks and restores', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const a = path.join(root, 'store-a');
    const b = path.join(root, 'store-b');
    const to = path.join(root, 'restored');
    const other = 'the other store has its own passphrase';
    writeTree(src, {
      'a.txt': { type: 'file', content: 'synced\n', mtime: T(1) },
      'big.bin': { type: 'file', content: randomBytes(2 * 1024 * 1024), mtime: T(2) },
      d: { type: 'dir', mode: 0o700, mtime: T(3), children: { 'x.sh': { type: 'file', content: 'x\n', mode: 0o755, mtime: T(4) } } },
      link: { type: 'symlink', target: 'd/x.sh', mtime: T(5) },
    });
    fs.utimesSync(src, T(0), T(0));
    const manifest = sha256Tree(src);
    createStore(a);
    const { id } = backupJson(a, src);
    createStore(b, [], { env: { COFFER_PASSPHRASE: other } });

    const s = runCoffer(['at', a, 'sync', id, 'to', b], { env: { COFFER_TO_PASSPHRASE: other } });
    assertExit(s, 0, 'sync');

    const asB = { env: { COFFER_PASSPHRASE: other } };
    assertExit(runCoffer(['at', b, 'check'], asB), 0, 'check on the receiving store');
    const ids = snapshotIds(b, asB);
    assert.equal(ids.length, 1, 'one snapshot copied');
    assertExit(runCoffer(['at', b, 'ls']), 12, 'the receiving store keeps its own passphrase');
    assertExit(runCoffer(['at', b, 'restore', '--to', to, 'latest'], asB), 0, 'restore from the receiving store');
    assertSameTree(manifest, sha256Tree(to), { owner: IS_ROOT, ...COARSE_MTIME });
  });
});

describe('coffer retention and maintenance', function () {
  after(cleanupTmpDirs);

  it('forget --keep-last 1 --apply, maintenance --grace 0: check passes and the kept snapshot restores', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    const to = path.join(root, 'restored');
    writeTree(src, { 'stay.txt': 'stays\n', 'gone.bin': randomBytes(3 * 1024 * 1024), 'change.txt': 'v1\n' });
    createStore(store);
    backupJson(store, src);
    fs.rmSync(path.join(src, 'gone.bin'));
    fs.writeFileSync(path.join(src, 'change.txt'), 'v2\n');
    backupJson(store, src);
    fs.writeFileSync(path.join(src, 'change.txt'), 'version three\n');
    fs.writeFileSync(path.join(src, 'new.bin'), randomBytes(200_000));
    const last = backupJson(store, src).id;
    const manifest = sha256Tree(src);
    assert.equal(snapshotIds(store).length, 3);

    const f = runCoffer(['at', store, 'forget', '--keep-last', '1', '--apply']);
    assertExit(f, 0, 'forget --keep-last 1 --apply');
    assert.deepEqual(snapshotIds(store), [last], 'only the last snapshot is kept');

    const dataBefore = storeBytes(store, 'data');
    const m = runCoffer(['at', store, 'maintenance', '--grace', '0']);
    assertExit(m, 0, 'maintenance --grace 0');
    const dataAfter = storeBytes(store, 'data');
    assert.ok(dataAfter < dataBefore - 2 * 1024 * 1024, `maintenance --grace 0 frees the 3 MiB only the forgotten snapshot used (data ${dataBefore} → ${dataAfter} bytes)\n${describeRun(m)}`);

    assertExit(runCoffer(['at', store, 'check']), 0, 'check after maintenance');
    assertExit(runCoffer(['at', store, 'restore', '--to', to, 'latest']), 0, 'restore the kept snapshot');
    assertSameTree(manifest, sha256Tree(to), { owner: IS_ROOT, ...COARSE_MTIME });
  });
});
