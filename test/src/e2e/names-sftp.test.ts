/**
 * Names as bytes over SFTP: ssh2 reads and writes names and link targets as UTF-8, so
 * entries whose names or targets are not UTF-8 cannot travel exactly. The SFTP source
 * records them as errors (exit 3) instead of backing up a link that points elsewhere;
 * the SFTP destination refuses to write such a name instead of writing an altered one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { nameFromBytes } from '@coffer/agent/engine/raw-name.js';
import { assertExit, backupJson, cleanupTmpDirs, createStore, describeRun, runCoffer, tmpDir } from '../helpers/cli.js';
import { haveSshd, makeSshHome, startSshd, type TestSshd } from '../helpers/sshd.js';
import { writeTree } from '../helpers/tree.js';

const RAW_TARGET = nameFromBytes(Buffer.from('target\xff', 'latin1'));
const RAW_NAME = nameFromBytes(Buffer.from('name\xfe', 'latin1'));

describe('names as bytes over SFTP', function () {
  this.timeout(300_000);
  let sshd: TestSshd;
  let env: Record<string, string | undefined>;
  before(async function () {
    if (!haveSshd() && process.env.CI !== 'true') this.skip();
    sshd = await startSshd();
    env = { HOME: makeSshHome(sshd, tmpDir()), SSH_AUTH_SOCK: undefined };
  });
  after(async () => {
    await sshd?.stop();
    cleanupTmpDirs();
  });

  it('records a symlink whose target is not UTF-8 as an error, never with a wrong target', () => {
    const src = path.join(sshd.dir, 'names-src');
    writeTree(src, { 'ok.txt': 'fine\n', link: { type: 'symlink', target: RAW_TARGET } });
    const store = path.join(tmpDir(), 'store');
    createStore(store);
    const r = runCoffer(['at', store, 'backup', `sftp://${sshd.user}@${sshd.host}:${sshd.port}${src}`], { env });
    assertExit(r, 3, 'backup from SFTP');
    assert.match(r.stderr, /warning: \/link: its link target holds bytes that are not UTF-8/, describeRun(r));
    const ls = runCoffer(['at', store, 'ls', 'latest']);
    assert.doesNotMatch(ls.stdout, /link/);
    assert.match(ls.stdout, /ok\.txt/);
  });

  it('refuses to restore a name that is not UTF-8 to an SFTP destination', () => {
    const src = path.join(tmpDir(), 'src');
    writeTree(src, { [RAW_NAME]: 'raw\n' });
    const store = path.join(tmpDir(), 'store');
    createStore(store);
    backupJson(store, src);
    const out = path.join(sshd.dir, 'names-out');
    const r = runCoffer(['at', store, 'restore', '--to', `sftp://${sshd.user}@${sshd.host}:${sshd.port}${out}`, 'latest'], { env });
    assert.notEqual(r.code, 0, describeRun(r));
    assert.match(r.stderr, /cannot restore over SFTP the path name\\xfe: it holds bytes that are not UTF-8/, describeRun(r));
    const made = fs.existsSync(out) ? fs.readdirSync(out, { encoding: 'buffer' }).map((b) => b.toString('latin1')) : [];
    assert.ok(!made.some((n) => n.startsWith('name')), `nothing written under an altered name: ${made.join(', ')}`);
  });
});
