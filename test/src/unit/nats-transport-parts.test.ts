/**
 * The NATS transport's pure parts: the subject layout and each agent's permissions, the
 * sealed passphrase (opened only with the agent's own box key), the agent's job ledger
 * (run once per attempt, bounded, survives a restart), the server version gate and the
 * server configuration `coffer controller nats-config` writes (no secret in it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addressOf, agentPermissions, jobMsgId, jobsSubject, resultsSubject, siteToken } from '@coffer/shared/nats/subjects.js';
import { newBoxKeyPair, openSealed } from '@coffer/agent/fleet/channel/box.js';
import { JobLedger } from '@coffer/agent/fleet/job-ledger.js';
import { sealTo } from '@coffer/controller/dispatch/transports/nats/seal.js';
import { checkServerVersion } from '@coffer/controller/dispatch/transports/nats/nats-streams.js';
import { natsServerConfig } from '@coffer/controller/cli/nats-config.js';

describe('NATS transport parts', () => {
  it('lays out subjects per site and agent, and reads the address back', () => {
    const a = { site: siteToken('paris'), agentId: '0123abcd' };
    assert.equal(jobsSubject(a), 'coffer.jobs.paris.0123abcd');
    assert.equal(resultsSubject(a), 'coffer.results.paris.0123abcd');
    assert.deepEqual(addressOf('coffer.up.paris.0123abcd'), a);
    assert.equal(addressOf('coffer.up.paris'), undefined);
    assert.equal(siteToken('eu.west *'), 'eu_west__', 'a site label cannot add subject tokens or wildcards');
    assert.equal(siteToken(undefined), 'default');
    assert.equal(jobMsgId('j1', 3), 'j1.3');
  });

  it('lets an agent publish and subscribe only on its own subjects', () => {
    const p = agentPermissions({ site: 'paris', agentId: 'aa' });
    for (const s of [...p.publish, ...p.subscribe]) assert.ok(s.includes('aa'), `${s} is not the agent's own`);
    assert.ok(!p.publish.some((s) => s.includes('coffer.jobs')), 'an agent cannot queue jobs');
    assert.ok(!p.subscribe.some((s) => s === '>' || s.startsWith('_INBOX.')), 'no shared inbox');
  });

  it('seals a passphrase that only the agent\'s box key opens', () => {
    const mine = newBoxKeyPair();
    const other = newBoxKeyPair();
    const sealed = sealTo(mine.boxPublic, 'correct horse battery');
    assert.ok(!Buffer.from(sealed).includes(Buffer.from('correct horse')), 'not in clear');
    assert.equal(openSealed(sealed, mine.boxPublic, mine.boxSecret), 'correct horse battery');
    assert.throws(() => openSealed(sealed, other.boxPublic, other.boxSecret), /not sealed to this agent/);
    assert.throws(() => sealTo('AAAA', 'x'), /no valid box key/);
  });

  it('remembers the attempts started, across a restart, newest first when it trims', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-ledger-'));
    try {
      const l = new JobLedger(dir);
      assert.equal(l.attemptOf('j'), 0);
      l.start('j', 1);
      l.start('j', 2);
      assert.equal(new JobLedger(dir).attemptOf('j'), 2);
      for (let i = 0; i < 2100; i++) l.start(`k${i}`, 1);
      const again = new JobLedger(dir);
      assert.equal(again.attemptOf('j'), 0, 'the oldest entry was trimmed');
      assert.equal(again.attemptOf('k2099'), 1);
      assert.equal(fs.statSync(path.join(dir, 'ledger.json')).mode & 0o077, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts nats-server 2.9 and newer only', () => {
    for (const v of ['2.9.10', '2.10.0', '3.0.1']) checkServerVersion(v);
    for (const v of ['2.8.4', undefined, '']) assert.throws(() => checkServerVersion(v), /too old for the NATS transport/);
  });

  it('writes a server configuration of public keys and per-agent permissions', () => {
    const text = natsServerConfig({ host: '127.0.0.1', port: 4222, storeDir: '/var/lib/nats', controllerKey: 'UCTL', agents: [{ name: 'web1', id: 'aa', site: 'paris', natsKey: 'UAGENT' }], domain: 'paris', leafRemote: 'nats-leaf://hub:7422' });
    assert.match(text, /nkey: "UCTL" }/);
    assert.match(text, /nkey: "UAGENT", permissions: \{ publish: \{ allow: \["coffer\.up\.paris\.aa"/);
    assert.match(text, /domain: "paris"/);
    assert.match(text, /remotes = \[ \{ url: "nats-leaf:\/\/hub:7422" \} \]/);
    assert.doesNotMatch(text, /SU[A-Z2-7]{10}/, 'no seed');
  });
});
