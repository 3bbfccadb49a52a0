/**
 * End to end: names are bytes (issue 8, finding 5). File and directory names that are
 * not UTF-8 and symlink targets holding such bytes back up with exit 0, are listed
 * escaped (`\xHH`) by ls, locate and diff, reach `cat` by that escaped form, and are
 * restored as the same bytes; names of 255 bytes (NAME_MAX) and 240 bytes round-trip.
 * A store of format 1 (test/fixtures/store-v1) keeps format 1: such entries are
 * recorded as errors there (exit 3), everything else backs up and restores.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { nameFromBytes, nameToBytes } from '@coffer/agent/engine/raw-name.js';
import {
  assertExit,
  assertOneLineError,
  backupJson,
  cleanupTmpDirs,
  createStore,
  describeRun,
  jsonLines,
  lines,
  num,
  REPO_ROOT,
  runCoffer,
  text,
  tmpDir,
} from '../helpers/cli.js';
import { assertSameTree, sha256Tree, type TreeSpec, writeTree, xattrAt } from '../helpers/tree.js';

/** A name made of bytes (any, including ones that are not UTF-8). */
const raw = (...parts: (string | number[])[]): string =>
  nameFromBytes(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));

const FILE_FF = raw('a', [0xff], '.txt');
const DIR_FE = raw('dir', [0xfe]);
const INNER_FF = raw('inner', [0xff]);
const LINK_FF = raw('link', [0xff]);
const TARGET_FF = raw('target', [0xff]);
/** 85 CJK characters of 3 bytes: 255 bytes, the longest name Linux allows. */
const NAME_255 = '日'.repeat(85);
/** 80 CJK characters: 240 bytes. */
const NAME_240 = '本'.repeat(80);
/** 254 ASCII bytes and one 0xFF: the longest name, not UTF-8. */
const NAME_255_RAW = raw('x'.repeat(254), [0xff]);

const T = 1_650_000_000.5;

function rawSpec(): TreeSpec {
  return {
    'plain.txt': { type: 'file', content: 'plain\n', mtime: T },
    [FILE_FF]: { type: 'file', content: 'file with 0xFF in its name\n', mtime: T },
    [DIR_FE]: {
      type: 'dir',
      mtime: T,
      children: {
        [INNER_FF]: { type: 'file', content: 'inside the 0xFE folder\n', mtime: T },
        'utf8.txt': { type: 'file', content: 'utf-8 name in a raw folder\n', mtime: T },
      },
    },
    link: { type: 'symlink', target: TARGET_FF, mtime: T },
    [LINK_FF]: { type: 'symlink', target: raw('../', [0xff, 0x80], '/x'), mtime: T },
    [NAME_255]: { type: 'file', content: '255 bytes of name\n', mtime: T },
    [NAME_240]: { type: 'file', content: '240 bytes of name\n', mtime: T },
    [NAME_255_RAW]: { type: 'file', content: '255 bytes, not UTF-8\n', mtime: T },
    'back\\xff': { type: 'file', content: 'a real backslash, x, f, f\n', mtime: T },
  };
}

/** The names of a directory (a path that may hold raw bytes) as bytes in hex, sorted. */
const bytesOf = (dir: string): string[] =>
  fs.readdirSync(nameToBytes(dir), { encoding: 'buffer' }).map((b) => b.toString('hex')).sort();

describe('names as bytes', function () {
  this.timeout(300_000);
  let src: string;
  let store: string;
  let xattrs = false;

  before(() => {
    src = path.join(tmpDir('coffer-names-'), 'src');
    writeTree(src, rawSpec());
    xattrs = xattrAt(path.join(src, DIR_FE), undefined, 'user.coffer', 'raw folder') === true;
    if (xattrs) assert.equal(xattrAt(path.join(src, DIR_FE), 'utf8.txt', 'user.coffer', 'inside it'), true);
    store = path.join(tmpDir('coffer-names-store-'), 's');
    createStore(store);
  });
  after(cleanupTmpDirs);

  for (const workers of ['0', '2']) {
    it(`backs up names and link targets that are not UTF-8 with exit 0 (--workers ${workers})`, () => {
      const b = backupJson(store, src, ['--workers', workers]);
      assert.equal(num(b.summary, 'errors'), 0, describeRun(b.run));
      assert.equal(num(b.summary, 'files'), 8);
      assert.equal(num(b.summary, 'symlinks'), 2);
      assert.equal(b.run.stderr.trim(), '', describeRun(b.run));
    });
  }

  it('keeps an unchanged tree under the same id (second backup reads nothing again)', () => {
    const roots = jsonLines(runCoffer(['at', store, 'ls', '--json'])).map((s) => text(s, 'id'));
    assert.ok(roots.length >= 2);
    const subtree = (id: string): string => {
      const r = runCoffer(['at', store, 'info', '--json', id]);
      assertExit(r, 0, 'info');
      return text((JSON.parse(r.stdout) as { root: Record<string, unknown> }).root, 'subtree');
    };
    assert.equal(subtree(roots[0] as string), subtree(roots[1] as string));
  });

  it('lists such names escaped, with the raw bytes in --json', () => {
    const r = runCoffer(['at', store, 'ls', '--recursive', 'latest']);
    assertExit(r, 0, 'ls');
    const out = lines(r.stdout);
    const has = (s: string): boolean => out.some((l) => l.endsWith(s));
    for (const s of ['/a\\xff.txt', '/dir\\xfe/inner\\xff', '/dir\\xfe/utf8.txt', '/link -> target\\xff', '/link\\xff -> ../\\xff\\x80/x', `/${NAME_255}`, `/${'x'.repeat(254)}\\xff`, '/back\\\\xff']) {
      assert.ok(has(s), `ls shows ${s}:\n${r.stdout}`);
    }
    assert.doesNotMatch(r.stdout, /\uFFFD/);
    const j = jsonLines(runCoffer(['at', store, 'ls', '--json', '--recursive', 'latest']));
    const inner = j.find((o) => o.path === `${src}/dir\\xfe/inner\\xff`);
    assert.ok(inner, JSON.stringify(j));
    assert.equal(inner.name, 'inner\\xff');
    assert.equal(inner.rawName, Buffer.from('inner\xff', 'latin1').toString('base64'));
    assert.equal(inner.rawPath, Buffer.concat([Buffer.from(`${src}/dir`), Buffer.from([0xfe]), Buffer.from('/inner'), Buffer.from([0xff])]).toString('base64'));
    const link = j.find((o) => o.path === `${src}/link`);
    assert.equal(link?.target, 'target\\xff');
    assert.equal(link.rawTarget, Buffer.from('target\xff', 'latin1').toString('base64'));
    const plain = j.find((o) => o.path === `${src}/plain.txt`);
    assert.ok(plain && !('rawName' in plain) && !('rawPath' in plain));
  });

  it('reaches such a file by its escaped path with cat, and finds it with locate', () => {
    const c = runCoffer(['at', store, 'cat', 'latest:dir\\xfe/inner\\xff']);
    assertExit(c, 0, 'cat');
    assert.equal(c.stdout, 'inside the 0xFE folder\n');
    const b = runCoffer(['at', store, 'cat', 'latest:back\\xff']);
    assertExit(b, 0, 'cat of a name holding a real backslash');
    assert.equal(b.stdout, 'a real backslash, x, f, f\n');
    const l = runCoffer(['at', store, 'locate', '--snapshot', 'latest', 'inner*']);
    assertExit(l, 0, 'locate');
    assert.ok(l.stdout.includes(`:${src}/dir\\xfe/inner\\xff\n`), l.stdout);
    const ls = runCoffer(['at', store, 'ls', 'latest:dir\\xfe']);
    assertExit(ls, 0, 'ls of a folder named by its escaped form');
    assert.ok(ls.stdout.includes(` ${src}/dir\\xfe/inner\\xff\n`), ls.stdout);
    const d = runCoffer(['at', store, 'digest', 'latest:dir\\xfe']);
    assertExit(d, 0, 'digest');
    assert.match(d.stdout, /^[0-9a-f]{64} {2}dir\\xfe\/inner\\xff$/m);
  });

  it('shows an added raw name escaped in diff', () => {
    const before = jsonLines(runCoffer(['at', store, 'ls', '--json'])).map((s) => text(s, 'id')).pop() as string;
    const extra = path.join(tmpDir('coffer-names-2-'), 'src');
    writeTree(extra, { ...rawSpec(), [raw('new', [0xc3])]: 'new\n' });
    const after = backupJson(store, extra).id;
    const d = runCoffer(['at', store, 'diff', before, after]);
    assertExit(d, 0, 'diff');
    assert.match(d.stdout, /^\+ \/new\\xc3$/m);
  });

  it('restores every name and link target as the same bytes', () => {
    const id = jsonLines(runCoffer(['at', store, 'ls', '--json'])).map((s) => text(s, 'id'))[0] as string;
    const out = path.join(tmpDir('coffer-names-out-'), 'out');
    const r = runCoffer(['at', store, 'restore', '--to', out, id]);
    assertExit(r, 0, 'restore');
    assert.deepEqual(bytesOf(out), bytesOf(src));
    assert.deepEqual(bytesOf(path.join(out, DIR_FE)), bytesOf(path.join(src, DIR_FE)));
    const linkTarget = fs.readlinkSync(path.join(out, 'link'), { encoding: 'buffer' });
    assert.deepEqual(linkTarget, Buffer.from('target\xff', 'latin1'));
    assertSameTree(sha256Tree(src), sha256Tree(out), { root: false });
    if (xattrs) {
      assert.equal(xattrAt(path.join(out, DIR_FE), undefined, 'user.coffer'), 'raw folder');
      assert.equal(xattrAt(path.join(out, DIR_FE), 'utf8.txt', 'user.coffer'), 'inside it');
    }
  });
});

describe('names as bytes in a store of format 1', function () {
  this.timeout(300_000);
  let store: string;
  let src: string;
  const env = { COFFER_PASSPHRASE: 'fixture-passphrase' };

  before(() => {
    store = path.join(tmpDir('coffer-names-v1-'), 'store');
    fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'store-v1'), store, { recursive: true });
    src = path.join(tmpDir('coffer-names-v1-src-'), 'src');
    writeTree(src, rawSpec());
  });
  after(cleanupTmpDirs);

  it('records entries format 1 cannot hold as errors (exit 3), backs up the rest, and stays format 1', () => {
    const r = runCoffer(['at', store, 'backup', '--json', src], { env });
    assertExit(r, 3, 'backup into a format-1 store');
    for (const p of ['/a\\xff.txt', '/dir\\xfe', '/link', '/link\\xff', `/${'x'.repeat(254)}\\xff`]) {
      assert.ok(r.stderr.includes(`warning: ${p}: `), `warns about ${p}\n${describeRun(r)}`);
    }
    assert.match(r.stderr, /cannot record it/);
    const info = runCoffer(['at', store, 'info', '--json'], { env });
    assertExit(info, 0, 'info');
    assert.equal((JSON.parse(info.stdout) as { version: number }).version, 1);
    const ls = runCoffer(['at', store, 'ls', '--json'], { env });
    assert.equal(jsonLines(ls).length, 2, 'the fixture snapshot and the new one');
  });

  it('refuses to sync a snapshot with names that are not UTF-8 into it, in one line', () => {
    const v2 = path.join(tmpDir('coffer-names-v2-'), 'store');
    createStore(v2);
    const src2 = path.join(tmpDir('coffer-names-v2-src-'), 'src');
    writeTree(src2, { [FILE_FF]: 'raw\n' });
    backupJson(v2, src2);
    const r = runCoffer(['at', v2, 'sync', 'to', store], { env: { COFFER_TO_PASSPHRASE: 'fixture-passphrase' } });
    assertExit(r, 2, 'sync into a format-1 store');
    assertOneLineError(r);
    assert.match(r.stderr, /a\\xff\.txt is not UTF-8 and store format 1 cannot record it/);
  });

  it('restores the entries it could record, and the fixture snapshot still reads', () => {
    const ids = jsonLines(runCoffer(['at', store, 'ls', '--json'], { env })).map((s) => text(s, 'id'));
    const old = runCoffer(['at', store, 'cat', `${ids[0] as string}:docs/hello.txt`], { env });
    assertExit(old, 0, 'cat from the fixture snapshot');
    const c = runCoffer(['at', store, 'check'], { env });
    assertExit(c, 0, 'check (after the refused sync too)');
    const out = path.join(tmpDir('coffer-names-v1-out-'), 'out');
    const r = runCoffer(['at', store, 'restore', '--to', out, ids[1] as string], { env });
    assertExit(r, 0, 'restore');
    assert.deepEqual(fs.readdirSync(out).sort(), ['back\\xff', NAME_240, 'plain.txt', NAME_255].sort());
    assert.equal(fs.readFileSync(path.join(out, NAME_255), 'utf8'), '255 bytes of name\n');
  });
});
