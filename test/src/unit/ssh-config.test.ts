/** Unit tests of ~/.ssh/config resolution and known_hosts matching. */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '@coffer/agent/ssh/config/resolve.js';
import { anchorInclude } from '@coffer/agent/ssh/config/include.js';
import { canonicalize } from '@coffer/agent/ssh/config/canonical.js';
import { parseJump } from '@coffer/agent/ssh/config/jump.js';
import { sshTarget } from '@coffer/agent/ssh/target.js';
import { checkHostKey } from '@coffer/agent/ssh/known-hosts.js';
import { CofferError } from '@coffer/shared/errors.js';

describe('ssh_config resolution', () => {
  let home: string;
  const me = os.userInfo();
  const resolve = (host: string, env: NodeJS.ProcessEnv = {}) =>
    resolveConfig({ host, home, localUser: me.username, uid: me.uid, env, systemConfig: path.join(home, 'no-system-config') });
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-sshcfg-'));
    fs.mkdirSync(path.join(home, '.ssh', 'conf.d'), { recursive: true });
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('reads ~/.ssh/config of the given home, with relative Include under ~/.ssh', () => {
    fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'a.conf'), 'Host web\n  User fromconfd\n');
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Include conf.d/*.conf\nHost web\n  Port 2022\n  IdentityFile ~/.ssh/k-%r\n');
    const c = resolve('web');
    assert.equal(c.user, 'fromconfd');
    assert.equal(c.port, 2022);
    assert.deepEqual(c.identityFiles, ['~/.ssh/k-%r']);
    assert.equal(anchorInclude('x.conf', false, home), '/etc/ssh/x.conf');
    assert.equal(anchorInclude('~/x.conf', true, home), path.join(home, 'x.conf'));
  });

  it('refuses unknown tokens and unset environment variables with one line naming the setting', () => {
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host t1\n  UserKnownHostsFile ~/kh-%z\nHost t2\n  UserKnownHostsFile ${COFFER_NOPE_VAR}/kh\n');
    assert.throws(() => resolve('t1'), (e: unknown) => e instanceof CofferError && /UserKnownHostsFile .*unknown token %z/.test(e.message));
    assert.throws(() => resolve('t2'), (e: unknown) => e instanceof CofferError && /COFFER_NOPE_VAR is not set/.test(e.message));
  });

  it('canonicalises with CanonicalDomains as OpenSSH: first domain that resolves, max dots, fallback', () => {
    const lookup = (n: string): boolean => n === 'web.b.test' || n === 'x.y.z.a.test';
    const o = { domains: ['a.test', 'b.test'], maxDots: 1, fallbackLocal: true };
    assert.equal(canonicalize('web', o, lookup), 'web.b.test');
    assert.equal(canonicalize('x.y.z', o, lookup), undefined, 'more dots than CanonicalizeMaxDots');
    assert.equal(canonicalize('x.y.z', { ...o, maxDots: 2 }, lookup), 'x.y.z.a.test');
    assert.equal(canonicalize('127.0.0.1', o, lookup), undefined, 'addresses stay');
    assert.equal(canonicalize('nowhere', o, lookup), undefined, 'falls back to the name as given');
    assert.throws(() => canonicalize('nowhere', { ...o, fallbackLocal: false }, lookup), /could not resolve host 'nowhere' in CanonicalDomains a\.test b\.test; .*CanonicalizeFallbackLocal/);
  });

  it('parses ProxyJump hops in travel order, ssh:// and [v6] included', () => {
    assert.deepEqual(parseJump('a,ssh://u@b:2200,[::1]:22,c@d'), [{ host: 'a' }, { user: 'u', host: 'b', port: 2200 }, { host: '::1', port: 22 }, { user: 'c', host: 'd' }]);
    assert.throws(() => parseJump('a,:22'), /ProxyJump hop ':22' has no host/);
  });
});

describe('ssh targets', () => {
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-sshtgt-'));
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'not a key');
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));
  const url = (host: string) => ({ user: undefined, host, port: undefined, path: '/' });

  it('reads the config of COFFER_SSH_HOME or the passwd home, never $HOME', () => {
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host coffer-home-test-alias\n  HostName 127.0.0.9\n');
    assert.equal(sshTarget(url('coffer-home-test-alias'), {}, { COFFER_SSH_HOME: home }).host, '127.0.0.9');
    assert.equal(sshTarget(url('coffer-home-test-alias'), {}, { HOME: home }).host, 'coffer-home-test-alias');
  });

  it('offers the default key files only when no identity is configured', () => {
    const env = { COFFER_SSH_HOME: home };
    const plain = sshTarget(url('h'), {}, env);
    assert.deepEqual(plain.identities, []);
    assert.deepEqual(plain.defaultIdentities, [path.join(home, '.ssh', 'id_ed25519')]);
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host h\n  IdentityFile ~/.ssh/only-%h\n  IdentitiesOnly yes\n');
    const withKey = sshTarget(url('h'), { identity: '/opt/cli-key' }, env);
    assert.deepEqual(withKey.identities, ['/opt/cli-key', path.join(home, '.ssh', 'only-h')]);
    assert.deepEqual(withKey.defaultIdentities, []);
    assert.equal(withKey.identitiesOnly, true);
  });

  it('resolves each ProxyJump hop with its own config, last hop nearest the target', () => {
    fs.writeFileSync(
      path.join(home, '.ssh', 'config'),
      'Host target\n  ProxyJump ja,jb@jbhost:2201\nHost ja\n  HostName 127.0.0.11\n  User jauser\nHost jbhost\n  HostName 127.0.0.12\n  ProxyJump ignored-because-given\nHost pc\n  ProxyCommand ssh -W %h:%p -l %r gw-%n\n  User pcu\n',
    );
    const t = sshTarget(url('target'), {}, { COFFER_SSH_HOME: home });
    assert.equal(t.proxy?.host, '127.0.0.12');
    assert.equal(t.proxy?.user, 'jb');
    assert.equal(t.proxy?.port, 2201);
    assert.equal(t.proxy?.proxy?.host, '127.0.0.11');
    assert.equal(t.proxy?.proxy?.user, 'jauser');
    assert.equal(t.proxy?.proxy?.proxy, undefined);
    assert.equal(sshTarget(url('pc'), {}, { COFFER_SSH_HOME: home }).proxyCommand, 'ssh -W pc:22 -l pcu gw-pc');
  });

  it('stops a ProxyJump loop with one line', () => {
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host loop1\n  ProxyJump loop2\nHost loop2\n  ProxyJump loop1\n');
    assert.throws(() => sshTarget(url('loop1'), {}, { COFFER_SSH_HOME: home }), /more than 8 jump hosts/);
  });
});

describe('known_hosts', () => {
  const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), randomBytes(32)]);
  const other = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), randomBytes(32)]);
  const file = path.join(os.tmpdir(), `coffer-kh-${process.pid}`);
  after(() => fs.rmSync(file, { force: true }));

  it('finds plain and hashed entries, for port 22 and [host]:port', () => {
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[h2]:2222').digest('base64')}`;
    fs.writeFileSync(file, `h1,other ssh-ed25519 ${blob.toString('base64')}\n${hashed} ssh-ed25519 ${blob.toString('base64')}\n`);
    assert.equal(checkHostKey([file], 'h1', 22, blob), 'known');
    assert.equal(checkHostKey([file], 'h2', 2222, blob), 'known');
    assert.equal(checkHostKey([file], 'h3', 22, blob), 'unknown');
    assert.equal(checkHostKey([file], 'h1', 22, other), 'changed');
  });

  it('refuses a revoked key', () => {
    fs.writeFileSync(file, `@revoked * ssh-ed25519 ${blob.toString('base64')}\nh1 ssh-ed25519 ${blob.toString('base64')}\n`);
    assert.equal(checkHostKey([file], 'h1', 22, blob), 'revoked');
  });
});
