/**
 * ssh_config against real OpenSSH servers (issue 11 §2 and §3): three sshd on loopback
 * ports, arranged so that only the resolution OpenSSH makes succeeds. A `Match` block
 * gives the right port and key (the fallback port is closed), and so does the second pass
 * of CanonicalizeHostname; GlobalKnownHostsFile holds the only host key; a configured identity
 * that the server refuses is not rescued by ~/.ssh/id_ed25519; IdentitiesOnly keeps a
 * real ssh-agent's key back unless it is one of the identity files; `ProxyJump ja,jb`
 * must go through both jump hosts (ja may only forward to jb, jb only to the target);
 * a ProxyCommand (`ssh -W %h:%p jb`) carries the connection; and a failed jump or chain
 * prints one line and the process exits within seconds.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, assertOneLineError, cleanupTmpDirs, IN_CI, pollUntil, runCoffer, spawnCoffer, tmpDir, type RunResult } from '../helpers/cli.js';
import { freePort, haveSshd, startSshd, type TestSshd } from '../helpers/sshd.js';

/** Runs coffer in the background and fails when it has not exited within `ms`. */
async function runBounded(args: readonly string[], env: Record<string, string | undefined>, ms: number): Promise<{ r: RunResult; elapsedMs: number }> {
  const started = Date.now();
  const run = spawnCoffer(args, { env });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`coffer ${args.join(' ')} had not exited after ${ms} ms`));
    }, ms);
  });
  try {
    const r = await Promise.race([run.done, timeout]);
    return { r, elapsedMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

function accepted(s: TestSshd): number {
  return (s.log().match(/Accepted publickey/g) ?? []).length;
}

describe('ssh_config resolution against real sshd', function () {
  this.timeout(120_000);
  let a: TestSshd;
  let b: TestSshd;
  let c: TestSshd;
  let home: string;
  let cfg: string;
  let agent: ChildProcess | undefined;
  let agentSock: string;
  const env = (extra: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({ HOME: home, SSH_AUTH_SOCK: undefined, ...extra });
  const url = (alias: string, name: string): string => `sftp://${alias}${path.join(c.dir, name)}`;

  before(async function () {
    const haveAgent = spawnSync('ssh-agent', ['-k'], { stdio: 'ignore' }).error === undefined;
    if ((!haveSshd() || !haveAgent) && !IN_CI) this.skip(); // in CI a missing sshd or ssh-agent fails below
    c = await startSshd();
    b = await startSshd({ extraConfig: [`PermitOpen 127.0.0.1:${c.port}`] });
    a = await startSshd({ extraConfig: [`PermitOpen 127.0.0.1:${b.port}`] });
    const dead = await freePort();
    home = tmpDir();
    const dot = path.join(home, '.ssh');
    fs.mkdirSync(dot, { mode: 0o700 });
    // The right key for c as the default identity: it must not be offered when IdentityFile is set.
    fs.copyFileSync(c.clientKey, path.join(dot, 'id_ed25519'));
    fs.chmodSync(path.join(dot, 'id_ed25519'), 0o600);
    fs.copyFileSync(`${c.clientKey}.pub`, path.join(dot, 'c-pub-only.pub'));
    const server = (s: TestSshd, key: string): string => `  HostName 127.0.0.1\n  Port ${s.port}\n  IdentityFile ${key}\n  UserKnownHostsFile ${s.knownHosts}\n`;
    cfg = path.join(dot, 'config');
    fs.writeFileSync(
      cfg,
      [
        `Host ja\n${server(a, a.clientKey)}`,
        `Host jb\n${server(b, b.clientKey)}`,
        `Host jb-wrongkey\n${server(b, a.clientKey)}`,
        `Host m-*\n  HostName 127.0.0.1\n`,
        `Match originalhost m-target host 127.0.0.1\n  Port ${c.port}\n  IdentityFile ${c.clientKey}\n  UserKnownHostsFile ${c.knownHosts}\n`,
        `Host globalkh\n  HostName 127.0.0.1\n  Port ${c.port}\n  IdentityFile ${c.clientKey}\n  UserKnownHostsFile /dev/null\n  GlobalKnownHostsFile ${c.knownHosts}\n`,
        `Host canon\n  HostName 127.0.0.1\n  CanonicalizeHostname yes\n`,
        `Host 127.0.0.1\n  Port ${c.port}\n  IdentityFile ${c.clientKey}\n  UserKnownHostsFile ${c.knownHosts}\n`,
        `Host wrongid\n${server(c, b.clientKey)}`,
        `Host agent-only\n  IdentitiesOnly yes\n${server(c, b.clientKey)}`,
        `Host agent-any\n${server(c, b.clientKey)}`,
        `Host agent-pub\n  IdentitiesOnly yes\n${server(c, path.join(dot, 'c-pub-only'))}`,
        `Host chain\n  ProxyJump ja,jb\n${server(c, c.clientKey)}`,
        `Host chain-bad\n  ProxyJump ja,jb-wrongkey\n${server(c, c.clientKey)}`,
        `Host deadjump\n  ProxyJump 127.0.0.1:${dead}\n${server(c, c.clientKey)}`,
        `Host viacmd\n  ProxyCommand ssh -F ${cfg} -o BatchMode=yes -W %h:%p jb\n${server(c, c.clientKey)}`,
        `Host badcmd\n  ProxyCommand sh -c "echo no route to the gateway >&2; exit 3"\n${server(c, c.clientKey)}`,
        `Host * !canon\n  Port ${dead}\n`,
      ].join('\n'),
    );
    agentSock = path.join(tmpDir(), 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !fs.existsSync(agentSock); i++) await new Promise((r) => setTimeout(r, 25));
    execFileSync('ssh-add', [c.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: agentSock }, stdio: 'ignore' });
  });
  after(async () => {
    agent?.kill('SIGTERM');
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    cleanupTmpDirs();
  });

  it('takes the port and key from a Match block (the fallback port is closed)', () => {
    assertExit(runCoffer(['at', url('m-target', 'store-match'), 'create'], { env: env() }), 0, 'create through the Match block');
  });

  it('checks the host key against GlobalKnownHostsFile', () => {
    assertExit(runCoffer(['at', url('globalkh', 'store-global'), 'create'], { env: env() }), 0, 'create with the key only in the global file');
  });

  it('re-reads the config for the HostName with CanonicalizeHostname yes (Host 127.0.0.1 gives port and key)', () => {
    assertExit(runCoffer(['at', url('canon', 'store-canon'), 'create'], { env: env() }), 0, 'create through the second pass');
  });

  it('offers only the configured identity: the default key file does not rescue a refused one', () => {
    const r = runCoffer(['at', url('wrongid', 'store-wrongid'), 'create'], { env: env() });
    assertExit(r, 1, 'a refused IdentityFile');
    assertOneLineError(r);
    assert.match(r.stderr, /permission denied \(publickey\)/);
  });

  it('keeps the agent key back with IdentitiesOnly yes, unless it is an identity file', () => {
    const withAgent = env({ SSH_AUTH_SOCK: agentSock });
    const only = runCoffer(['at', url('agent-only', 'store-agent-only'), 'create'], { env: withAgent });
    assertExit(only, 1, 'IdentitiesOnly with a refused identity and the right key only in the agent');
    assert.match(only.stderr, /permission denied/);
    assertExit(runCoffer(['at', url('agent-any', 'store-agent-any'), 'create'], { env: withAgent }), 0, 'the agent key offered without IdentitiesOnly');
    assertExit(runCoffer(['at', url('agent-pub', 'store-agent-pub'), 'create'], { env: withAgent }), 0, 'the agent key whose .pub is the IdentityFile');
  });

  it('goes through every ProxyJump hop in order (ja may only forward to jb, jb only to the target)', async () => {
    const [na, nb] = [accepted(a), accepted(b)];
    assertExit(runCoffer(['at', url('chain', 'store-chain'), 'create'], { env: env() }), 0, 'create through ja,jb');
    // sshd's log lines arrive once the event loop runs again (runCoffer blocks it).
    assert.ok(await pollUntil(() => accepted(a) > na && accepted(b) > nb, 100, 20), `ja and jb must both log the login:\n${a.log()}\n${b.log()}`);
  });

  it('connects through a ProxyCommand (ssh -W %h:%p jb)', async () => {
    const nb = accepted(b);
    assertExit(runCoffer(['at', url('viacmd', 'store-cmd'), 'create'], { env: env() }), 0, 'create through the ProxyCommand');
    assert.ok(await pollUntil(() => accepted(b) > nb, 100, 20), `the ProxyCommand did not go through jb:\n${b.log()}`);
  });

  // A refused connection is retried with backoff (8 attempts, ~24 s), as for a server
  // that restarts: the bound is that retry budget, then the process must be gone.
  it('exits with one line within seconds when the jump host refuses the connection (no backoff on a first connection)', async () => {
    const { r, elapsedMs } = await runBounded(['at', url('deadjump', 'store-dead'), 'create'], env(), 60_000);
    assert.notEqual(r.code, 0);
    assertOneLineError(r);
    assert.match(r.stderr, /connection refused/);
    assert.ok(elapsedMs < 10_000, `took ${elapsedMs} ms`);
  });

  it('exits with one line naming the ProxyCommand and its last error line when it fails', async () => {
    const { r, elapsedMs } = await runBounded(['at', url('badcmd', 'store-badcmd'), 'create'], env(), 60_000);
    assertExit(r, 1, 'a failing ProxyCommand');
    assert.ok(elapsedMs < 10_000, `took ${elapsedMs} ms`);
    assertOneLineError(r);
    assert.match(r.stderr, /the ProxyCommand for 127\.0\.0\.1:\d+ exited with 3 \(no route to the gateway\): check the ProxyCommand/);
  });

  it('exits with one line within seconds when the second hop of a chain refuses the login', async () => {
    const { r, elapsedMs } = await runBounded(['at', url('chain-bad', 'store-chain-bad'), 'create'], env(), 30_000);
    assertExit(r, 1, 'a chain whose second hop refuses');
    assertOneLineError(r);
    assert.match(r.stderr, /permission denied \(publickey\) for .*127\.0\.0\.1:\d+/);
    assert.ok(elapsedMs < 10_000, `took ${elapsedMs} ms`);
  });
});
