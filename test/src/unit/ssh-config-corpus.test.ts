/**
 * ssh_config corpus against OpenSSH itself (issue 11 §2): for every case of
 * helpers/ssh-config-corpus.ts, `ssh -G -F FILE HOST` (the system's OpenSSH client) and
 * Coffer's resolver must agree on hostname, user, port, identityfile, certificatefile,
 * identitiesonly, proxyjump, proxycommand, userknownhostsfile, globalknownhostsfile and
 * stricthostkeychecking; and `ssh -v` must load the identity files Coffer expands
 * (tokens and ${ENV} included). With CI=true a missing `ssh` is a failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, type ResolvedConfig } from '@coffer/agent/ssh/config/resolve.js';
import { expandPathSetting } from '@coffer/agent/ssh/config/tokens.js';
import { CORPUS } from '../helpers/ssh-config-corpus.js';

const KEYS = ['hostname', 'user', 'port', 'identityfile', 'certificatefile', 'identitiesonly', 'proxyjump', 'proxycommand', 'userknownhostsfile', 'globalknownhostsfile', 'stricthostkeychecking'];

function haveSsh(): boolean {
  return spawnSync('ssh', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** The listed keywords of `ssh -G` output, each to its values in order. */
function parseDump(out: string): Record<string, string[]> {
  const m: Record<string, string[]> = {};
  for (const line of out.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const k = line.slice(0, sp).toLowerCase();
    if (KEYS.includes(k)) (m[k] ??= []).push(line.slice(sp + 1));
  }
  return m;
}

/** Coffer's resolution in `ssh -G`'s form. */
function dump(r: ResolvedConfig): Record<string, string[]> {
  const m: Record<string, string[]> = {
    hostname: [r.hostName],
    user: [r.user],
    port: [String(r.port)],
    identityfile: [...r.identityFiles],
    identitiesonly: [r.identitiesOnly ? 'yes' : 'no'],
    userknownhostsfile: [r.userKnownHostsFiles.join(' ')],
    globalknownhostsfile: [r.globalKnownHostsFiles.join(' ')],
    stricthostkeychecking: [{ yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' }[r.strictHostKeyChecking]],
  };
  if (r.certificateFiles.length) m.certificatefile = [...r.certificateFiles];
  if (r.proxyJump !== undefined) m.proxyjump = [r.proxyJump];
  if (r.proxyCommand !== undefined) m.proxycommand = [r.proxyCommand];
  return m;
}

describe('ssh_config corpus: Coffer resolves as `ssh -G` does', function () {
  this.timeout(60_000);
  let dir: string;
  const me = os.userInfo();
  const env = { ...process.env, USER: me.username, COFFER_CORPUS_VAR: '/var/corpus' };
  before(function () {
    if (!haveSsh()) {
      if (process.env.CI === 'true') throw new Error('ssh (openssh-client) is missing: the corpus test needs it (scripts/test.sh installs it)');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-corpus-'));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has at least 28 cases', () => assert.ok(CORPUS.length >= 28));

  CORPUS.forEach((c, i) => {
    it(`${i + 1}. ${c.name}`, () => {
      const caseDir = path.join(dir, `case${i + 1}`);
      const fill = (s: string): string => s.replaceAll('{dir}', caseDir).replaceAll('{me}', me.username);
      for (const [rel, text] of Object.entries(c.files ?? {})) {
        fs.mkdirSync(path.dirname(path.join(caseDir, rel)), { recursive: true });
        fs.writeFileSync(path.join(caseDir, rel), fill(text));
      }
      fs.mkdirSync(caseDir, { recursive: true });
      const file = path.join(caseDir, 'config');
      fs.writeFileSync(file, fill(c.config));
      const r = spawnSync('ssh', ['-G', '-F', file, c.host], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
      assert.equal(r.status, 0, `ssh -G failed: ${r.stderr}`);
      const want = parseDump(r.stdout);
      const resolved = resolveConfig({ host: c.host, configFile: file, home: me.homedir, localUser: me.username, uid: me.uid, env });
      const got = dump(resolved);
      for (const k of KEYS) assert.deepEqual(got[k] ?? [], want[k] ?? [], `${k} for ${c.host} in:\n${fill(c.config)}`);
      // `ssh -G` prints IdentityFile as written; `ssh -v` names the expanded files it loads
      // (a ProxyCommand that exits at once stands in for the server: no network is used).
      const v = spawnSync('ssh', ['-v', '-F', file, '-o', 'ProxyCommand=exec true', '-o', 'BatchMode=yes', c.host, 'true'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
      const loaded = [...v.stderr.matchAll(/^debug1: identity file (.*) type -?\d+$/gm)].map((m) => m[1] as string).filter((f) => !f.endsWith('-cert'));
      const expanded = resolved.identityFiles.map((f) => expandPathSetting(f, resolved.tokens, env, 'IdentityFile'));
      assert.deepEqual(expanded, loaded, `expanded identity files for ${c.host}:\n${v.stderr}`);
    });
  });
});
