/**
 * End to end: help for every command (`coffer VERB --help`, `coffer help VERB`), the
 * controller's commands in `coffer --help`, "did you mean" for mistyped commands and
 * flags, global flags anywhere on the line, and a passphrase on the command line refused.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { verbs } from '@coffer/agent/cli/verbs/index.js';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, createStore, describeRun, lines, runCoffer, TEST_PASSPHRASE, tmpDir } from '../helpers/cli.js';
import { writeTree } from '../helpers/tree.js';

describe('coffer help and command-line grammar', function () {
  after(cleanupTmpDirs);

  it('--help lists every command, ctl and controller, the global flags and the passphrase sources', function () {
    const r = runCoffer(['--help']);
    assertExit(r, 0, '--help');
    for (const v of [...verbs.keys(), 'ctl', 'controller']) assert.match(r.stdout, new RegExp(`coffer (at <store> )?${v}\\b`), `--help lists ${v}\n${describeRun(r)}`);
    for (const w of ['--quiet', '--no-lock', '--passphrase-file', '--store', 'COFFER_PASSPHRASE_CMD']) assert.ok(r.stdout.includes(w), `--help names ${w}`);
  });

  it('every command prints its flags and an example, with VERB --help and with help VERB', function () {
    const store = path.join(tmpDir(), 'store');
    for (const [name, v] of verbs) {
      const a = runCoffer(['at', store, name, '--help']);
      const b = runCoffer(['help', name]);
      assertExit(a, 0, `${name} --help`);
      assertExit(b, 0, `help ${name}`);
      assert.equal(a.stdout, b.stdout, `the same help both ways for ${name}`);
      assert.ok(a.stdout.startsWith(`usage: ${v.usage}`), `${name}: synopsis first\n${describeRun(a)}`);
      assert.match(a.stdout, /\nexamples?:\n {2}(\S[^\n]* )?coffer /, `${name}: an example\n${describeRun(a)}`);
      for (const f of Object.keys(v.flags)) assert.match(a.stdout, new RegExp(`\\n {2}--${f}\\b`), `${name} --help lists --${f}\n${describeRun(a)}`);
      assert.equal(a.stderr, '', `${name} --help writes nothing on stderr`);
    }
  });

  it('the flags the help shows are the flags the command accepts (from its own unknown-flag error)', function () {
    const store = path.join(tmpDir(), 'store');
    for (const name of ['backup', 'restore', 'ls', 'forget', 'check', 'cat', 'key']) {
      const bad = runCoffer(['at', store, name, '--zzzz-not-a-flag', 'x']);
      assertExit(bad, 2, `${name} with an unknown flag`);
      const m = /\(flags: ([^)]*)\)/.exec(bad.stderr);
      assert.ok(m, `the error lists the flags\n${describeRun(bad)}`);
      const help = runCoffer(['help', name]).stdout;
      for (const f of (m[1] as string).split(', ')) assert.ok(help.includes(`  ${f}`), `help ${name} shows ${f}`);
    }
  });

  it('suggests the nearest command and flag (exit 2, one line)', function () {
    const store = path.join(tmpDir(), 'store');
    const cmd = runCoffer(['at', store, 'bakup', '/tmp']);
    assertExit(cmd, 2, 'bakup');
    assertOneLineError(cmd);
    assert.match(cmd.stderr, /did you mean 'backup'\?/, describeRun(cmd));
    const ctl = runCoffer(['ctrl']);
    assert.match(ctl.stderr, /did you mean 'ctl'\?/, describeRun(ctl));
    const flag = runCoffer(['at', store, 'ls', '--recursiv', 'latest']);
    assertExit(flag, 2, '--recursiv');
    assertOneLineError(flag);
    assert.match(flag.stderr, /did you mean --recursive\?/, describeRun(flag));
    const swap = runCoffer(['at', store, 'restore', '--ovewrite', 'always', 'latest']);
    assert.match(swap.stderr, /did you mean --overwrite\?/, describeRun(swap));
    const far = runCoffer(['at', store, 'frobnicate']);
    assertExit(far, 2, 'frobnicate');
    assert.doesNotMatch(far.stderr, /did you mean/, 'no suggestion for a word near nothing');
    const global = runCoffer(['--quite', 'at', store, 'ls']);
    assertExit(global, 2, '--quite');
    assert.match(global.stderr, /did you mean --quiet\?/, describeRun(global));
  });

  it('global flags work anywhere on the line: before at, between at and the verb, after the verb', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    const src = path.join(root, 'src');
    writeTree(src, { 'a.txt': 'a\n' });
    createStore(store);
    const { id } = backupJson(store, src);
    const pf = path.join(root, 'pass');
    writeTree(root, { pass: `${TEST_PASSPHRASE}\n` });
    const env = { COFFER_PASSPHRASE: undefined };
    for (const args of [
      ['--quiet', '--no-lock', '--passphrase-file', pf, 'at', store, 'ls'],
      ['at', store, '--quiet', '--passphrase-file', pf, 'ls', '--no-lock'],
      ['at', store, 'ls', '--no-lock', `--passphrase-file=${pf}`, '--quiet'],
      ['--json', 'at', store, 'ls', '--keyfile', pf],
      ['at', store, '--json', 'ls', '--keyfile', pf],
      ['ls', '--quiet', '--store', store, '--keyfile', pf],
      ['--store', store, 'ls', '--keyfile', pf],
    ]) {
      const r = runCoffer(args, { env });
      assertExit(r, 0, args.join(' '));
      assert.ok(r.stdout.includes(id.slice(0, 8)), describeRun(r));
    }
    const j = runCoffer(['--json', 'at', store, 'ls', '--passphrase-file', pf], { env });
    assert.ok(lines(j.stdout).every((l) => l.startsWith('{')), `--json before at goes to the verb\n${describeRun(j)}`);
    // After `--` nothing is a flag: the word is a snapshot reference (a usage error here).
    const dd = runCoffer(['at', store, 'ls', '--', '--quiet']);
    assertExit(dd, 2, 'ls -- --quiet');
  });

  it('refuses --passphrase and --password with the ways that work, exit 2, never echoing the secret', function () {
    const store = path.join(tmpDir(), 'store');
    const secret = 'hunter2-do-not-echo';
    for (const args of [
      ['at', store, 'ls', '--passphrase', secret],
      ['at', store, 'ls', `--passphrase=${secret}`],
      ['--password', secret, 'at', store, 'create'],
      ['at', store, 'backup', `-password=${secret}`, '/tmp'],
      ['at', store, 'key', 'add', '--new-passphrase', secret],
    ]) {
      const r = runCoffer(args);
      assertExit(r, 2, args.join(' '));
      assertOneLineError(r);
      for (const way of ['PASSPHRASE', 'passphrase-file', '_CMD', 'prompt']) assert.ok(r.stderr.includes(way), `names ${way}\n${describeRun(r)}`);
      assert.ok(!r.stderr.includes(secret) && !r.stdout.includes(secret), `the secret is never echoed\n${describeRun(r)}`);
    }
    // --passphrase-file is not --passphrase.
    const ok = runCoffer(['at', store, 'ls', '--passphrase-file', '/nonexistent/file']);
    assert.doesNotMatch(ok.stderr, /never taken on the command line/, describeRun(ok));
  });
});
