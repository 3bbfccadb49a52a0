/** Unit tests of ~/.ssh/config resolution and known_hosts matching. */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expandPath, hostMatches, resolveHost } from '@coffer/agent/ssh/ssh-config.js';
import { checkHostKey } from '@coffer/agent/ssh/known-hosts.js';

describe('ssh_config resolution', () => {
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-sshcfg-'));
    fs.mkdirSync(path.join(home, '.ssh', 'conf.d'), { recursive: true });
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('takes the first value of each keyword across matching Host blocks and accumulates IdentityFile', () => {
    fs.writeFileSync(
      path.join(home, '.ssh', 'config'),
      ['Host local-sftp', '    HostName localhost', '    User sftpuser', '    IdentityFile ~/.ssh/id_ed25519_coffer', '', 'Host *', '    User nobody', '    Port 2222', '    IdentityFile ~/.ssh/id_other', '    ServerAliveInterval 60'].join('\n'),
    );
    const c = resolveHost('local-sftp', undefined, home);
    assert.equal(c.hostName, 'localhost');
    assert.equal(c.user, 'sftpuser');
    assert.equal(c.port, 2222);
    assert.deepEqual(c.identityFiles, ['~/.ssh/id_ed25519_coffer', '~/.ssh/id_other']);
    assert.equal(c.serverAliveIntervalS, 60);
  });

  it('honours negated patterns, Key=Value, quotes, Include and ProxyJump', () => {
    fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'a.conf'), 'Host *.example.com !secret.example.com\n  ProxyJump=bastion:2200\n  StrictHostKeyChecking accept-new\n');
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Include conf.d/*.conf\nHost "web1.example.com"\n  IdentitiesOnly yes\n');
    const web = resolveHost('web1.example.com', undefined, home);
    assert.equal(web.proxyJump, 'bastion:2200');
    assert.equal(web.strictHostKeyChecking, 'accept-new');
    assert.equal(web.identitiesOnly, true);
    const secret = resolveHost('secret.example.com', undefined, home);
    assert.equal(secret.proxyJump, undefined);
    assert.ok(hostMatches(['*.example.com'], 'A.EXAMPLE.COM'));
  });

  it('skips Match blocks and expands tokens in paths', () => {
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Match host x\n  User matched\nHost x\n  User plain\n');
    assert.equal(resolveHost('x', undefined, home).user, 'plain');
    assert.equal(expandPath('~/.ssh/%h-%p-%r', { host: 'h', port: 22, user: 'u' }, home), path.join(home, '.ssh', 'h-22-u'));
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
