/**
 * The fleet, second part (local stores, one agent): an API client authenticated by a
 * client certificate from `coffer controller client-cert`; a running backup cancelled
 * through the controller (the agent's coffer process really stops, the job ends
 * cancelled, the store checks clean); a store whose passphrase only the agent keeps
 * (passphrases.json), so the controller never holds it; enrollment tokens used twice.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertOneLineError, cleanupTmpDirs, describeRun, lines, runCoffer, spawnCoffer, tmpDir } from '../helpers/cli.js';
import { FINAL, Fleet, type FleetAgent } from '../helpers/fleet.js';
import { assertSameTree, sha256Tree, writeRandomFiles, writeTree } from '../helpers/tree.js';

const PW = 'fleet control test passphrase';
const AGENT_PW = 'only the agent knows this one';

describe('the fleet: client certificates, cancellation, agent-held passphrases', function () {
  this.timeout(300_000);
  let fleet: Fleet;
  let agent: FleetAgent;
  let data: string;

  before(async () => {
    data = tmpDir('coffer-fleet-control-');
    writeRandomFiles(path.join(data, 'big'), 12, 16 * 1024 * 1024);
    writeTree(path.join(data, 'small'), { 'a.txt': 'agent-held passphrase\n', d: { type: 'dir', children: { 'b.bin': Buffer.alloc(200_000, 7) } } });
    for (const [store, pw] of [
      ['store', PW],
      ['private', AGENT_PW],
    ] as const) {
      const r = runCoffer(['at', path.join(data, store), 'create'], { env: { COFFER_PASSPHRASE: pw } });
      assert.equal(r.code, 0, describeRun(r));
    }
    fleet = await Fleet.start({ COFFER_RETRY_BASE_MS: '1000' });
    agent = await fleet.enroll('solo');
    fs.writeFileSync(path.join(agent.dataDir, 'passphrases.json'), JSON.stringify({ private: AGENT_PW }), { mode: 0o600 });
    await agent.start();
    await fleet.ctlOk(['store', 'add', 'shared', path.join(data, 'store')], { COFFER_PASSPHRASE: PW });
    await fleet.ctlOk(['store', 'add', 'private', path.join(data, 'private'), '--passphrase-on-agent']);
    await fleet.ctlOk(['source', 'add', 'big', path.join(data, 'big'), '--agent', 'solo']);
    await fleet.ctlOk(['source', 'add', 'small', path.join(data, 'small'), '--agent', 'solo']);
    await fleet.ctlOk(['destination', 'add', 'out', path.join(data, 'out'), '--agent', 'solo']);
  });

  after(async () => {
    await fleet?.stop();
    cleanupTmpDirs();
  });

  it('accepts an API client with a client certificate from coffer controller client-cert, and no token', async () => {
    const certs = path.join(fleet.root, 'certs');
    const made = runCoffer(['controller', 'client-cert', '--data', fleet.dataDir, '--name', 'ops', '--out', certs]);
    assert.equal(made.code, 0, describeRun(made));
    assert.equal(fs.statSync(path.join(certs, 'ops.key')).mode & 0o077, 0, 'the key is private');
    const r = await fleet.ctl(['--cert', path.join(certs, 'ops.pem'), '--key', path.join(certs, 'ops.key'), 'agents', '--json'], { COFFER_TOKEN: undefined });
    assert.equal(r.code, 0, describeRun(r));
    assert.ok((JSON.parse(r.stdout) as { name: string }[]).some((a) => a.name === 'solo'));
    // An agent's certificate is not an API client's.
    const asAgent = await fleet.ctl(['--cert', path.join(agent.dataDir, 'cert.pem'), '--key', path.join(agent.dataDir, 'key.pem'), 'agents'], { COFFER_TOKEN: undefined });
    assert.equal(asAgent.code, 1, describeRun(asAgent));
    assertOneLineError(asAgent);
    assert.match(asAgent.stderr, /agent certificate does not give access to the API/);
  });

  it('cancels a running backup through the controller: the job ends cancelled and the store checks clean', async () => {
    const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'big', '--store', 'shared']);
    const id = lines(run.stdout).at(-1) ?? '';
    await fleet.waitJob(id, (j) => j.state === 'JOB_STATE_RUNNING' || FINAL.has(j.state ?? ''), { attempts: 600, intervalMs: 100 }, 'the backup starts');
    const cancel = await fleet.ctlOk(['job', 'cancel', id]);
    assert.match(cancel.stdout, /cancel/);
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 600, intervalMs: 200 }, 'the cancelled backup ends');
    assert.equal(j.state, 'JOB_STATE_CANCELLED', JSON.stringify(j.history));
    assert.equal(j.attempt, 1, 'a cancelled job is not retried');
    const check = runCoffer(['at', path.join(data, 'store'), 'check'], { env: { COFFER_PASSPHRASE: PW } });
    assert.equal(check.code, 0, describeRun(check));
    const ls = runCoffer(['at', path.join(data, 'store'), 'ls', '--json'], { env: { COFFER_PASSPHRASE: PW } });
    assert.equal(lines(ls.stdout).length, 0, 'no snapshot from the cancelled backup');
  });

  it('backs up and restores a store whose passphrase only the agent keeps', async () => {
    const stores = JSON.parse((await fleet.ctlOk(['store', 'list', '--json'])).stdout) as { name: string; hasPassphrase?: boolean; passphraseOnAgent?: boolean }[];
    const priv = stores.find((s) => s.name === 'private');
    assert.ok(priv?.passphraseOnAgent && !priv.hasPassphrase, JSON.stringify(priv));
    const b = await fleet.ctl(['job', 'run', 'backup', '--source', 'small', '--store', 'private', '--wait']);
    assert.equal(b.code, 0, `${describeRun(b)}\n${fleet.logs()}`);
    const r = await fleet.ctl(['job', 'run', 'restore', '--store', 'private', '--snapshot', 'latest', '--destination', 'out', '--wait']);
    assert.equal(r.code, 0, `${describeRun(r)}\n${fleet.logs()}`);
    assertSameTree(sha256Tree(path.join(data, 'small')), sha256Tree(path.join(data, 'out')));
    assert.ok(!fs.readFileSync(path.join(fleet.dataDir, 'catalog.db')).includes(Buffer.from(AGENT_PW)), 'the controller never held it');
  });

  it('pauses and resumes a schedule, and refuses to remove a store or source it uses, naming it', async () => {
    await fleet.ctlOk(['schedule', 'add', 'nightly-small', '--source', 'small', '--store', 'shared', '--cron', '0 3 * * *', '--tz', 'Europe/Paris']);
    for (const [what, name] of [
      ['store', 'shared'],
      ['source', 'small'],
    ] as const) {
      const r = await fleet.ctl([what, 'rm', name]);
      assert.equal(r.code, 2, describeRun(r));
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`${what} '${name}' is used by schedule 'nightly-small'; remove it first`));
    }
    const paused = await fleet.ctlOk(['schedule', 'pause', 'nightly-small']);
    assert.match(paused.stdout, /paused/);
    let list = JSON.parse((await fleet.ctlOk(['schedule', 'list', '--json'])).stdout) as { name: string; paused?: boolean; nextRunMs?: number }[];
    let mine = list.find((x) => x.name === 'nightly-small');
    assert.ok(mine?.paused && !mine.nextRunMs, `paused, no next run: ${JSON.stringify(mine)}`);
    await fleet.ctlOk(['schedule', 'resume', 'nightly-small']);
    list = JSON.parse((await fleet.ctlOk(['schedule', 'list', '--json'])).stdout) as typeof list;
    mine = list.find((x) => x.name === 'nightly-small');
    assert.ok(!mine?.paused && (mine?.nextRunMs ?? 0) > Date.now(), `resumed with a next run: ${JSON.stringify(mine)}`);
    await fleet.ctlOk(['schedule', 'rm', 'nightly-small']);
    await fleet.ctlOk(['source', 'rm', 'small']);
    await fleet.ctlOk(['source', 'add', 'small', path.join(data, 'small'), '--agent', 'solo']);
  });

  it('enrolls without --ca through the CA pinned in the token, and refuses a token used twice', async () => {
    const t = await fleet.ctlOk(['token', 'create', '--ttl', '5m']);
    const token = lines(t.stdout).at(-1) ?? '';
    const first = await spawnCoffer(['agent', 'enroll', '--controller', fleet.address, '--token', token, '--name', 'pinned', '--data', path.join(fleet.root, 'pinned')]).done;
    assert.equal(first.code, 0, describeRun(first));
    assert.equal(fs.readFileSync(path.join(fleet.root, 'pinned', 'ca.pem'), 'utf8'), fs.readFileSync(fleet.caFile, 'utf8'));
    const again = await spawnCoffer(['agent', 'enroll', '--controller', fleet.address, '--token', token, '--name', 'second', '--data', path.join(fleet.root, 'second')]).done;
    assert.equal(again.code, 1, describeRun(again));
    assertOneLineError(again);
    assert.match(again.stderr, /already used or expired/);
  });

  it('says a job waits for an offline agent and since when; takes a unique job id prefix; --wait prints each step', async () => {
    await fleet.enroll('away'); // enrolled, never started
    await fleet.ctlOk(['source', 'add', 'far', path.join(data, 'small'), '--agent', 'away']);
    const id = lines((await fleet.ctlOk(['job', 'run', 'backup', '--source', 'far', '--store', 'shared'])).stdout).at(-1) ?? '';
    const prefix = id.slice(0, Math.max(8, id.length - 4));
    let shown = '';
    for (let i = 0; i < 50 && !/waiting for agent away/.test(shown); i++) {
      shown = (await fleet.ctlOk(['job', 'show', prefix])).stdout;
      if (!/waiting for agent away/.test(shown)) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(shown, /waiting for agent away \(never connected\)/, shown);
    assert.match(shown, new RegExp(`job ${id}:`), 'the prefix named the job');
    assert.match((await fleet.ctlOk(['job', 'cancel', prefix])).stdout, /cancelled/);
    const unknown = await fleet.ctl(['job', 'show', 'zzzz-no-such']);
    assert.equal(unknown.code, 1, describeRun(unknown));
    assertOneLineError(unknown);
    // --wait prints every step of the job's history as it happens, the failure included.
    await fleet.ctlOk(['source', 'add', 'gone', path.join(data, 'no-such-folder'), '--agent', 'solo']);
    const w = await fleet.ctl(['job', 'run', 'backup', '--source', 'gone', '--store', 'shared', '--max-attempts', '1', '--wait']);
    assert.equal(w.code, 1, describeRun(w));
    assert.match(w.stderr, /sent to solo \(attempt 1\)/, describeRun(w));
    assert.match(w.stderr, /no-such-folder/, describeRun(w));
  });

  it('ctl snapshots lists every snapshot of the store, those made by the CLI too', async () => {
    const cli = runCoffer(['at', path.join(data, 'store'), 'backup', '--json', '--tag', 'by-cli', path.join(data, 'small')], { env: { COFFER_PASSPHRASE: PW } });
    assert.equal(cli.code, 0, describeRun(cli));
    const id = String((JSON.parse(lines(cli.stdout).at(-1) ?? '{}') as { snapshot_id?: string }).snapshot_id);
    const listed = JSON.parse((await fleet.ctlOk(['snapshots', '--store', 'shared', '--json'])).stdout) as { id: string; tags?: string[] }[];
    const mine = listed.find((x) => x.id === id);
    assert.ok(mine, `the CLI's snapshot ${id} is listed: ${JSON.stringify(listed.map((x) => x.id))}`);
    assert.deepEqual(mine.tags, ['by-cli']);
  });

  it('creates a store and runs maintenance as jobs', async () => {
    await fleet.ctlOk(['store', 'add', 'fresh', path.join(data, 'fresh')], { COFFER_PASSPHRASE: PW });
    const created = await fleet.ctl(['job', 'run', 'create', '--store', 'fresh', '--wait']);
    assert.equal(created.code, 0, describeRun(created));
    assert.ok(fs.existsSync(path.join(data, 'fresh', 'config')), 'the store exists');
    const again = await fleet.ctl(['job', 'run', 'create', '--store', 'fresh', '--max-attempts', '1', '--wait']);
    assert.equal(again.code, 1, `creating it twice fails\n${describeRun(again)}`);
    assert.equal((await fleet.ctl(['job', 'run', 'backup', '--source', 'small', '--store', 'fresh', '--wait'])).code, 0);
    const m = await fleet.ctl(['job', 'run', 'maintenance', '--store', 'fresh', '--grace', '0', '--wait']);
    assert.equal(m.code, 0, describeRun(m));
    const id = lines(m.stdout).at(-1) ?? '';
    const logs = (await fleet.ctlOk(['job', 'logs', id])).stdout;
    assert.match(logs, /maintenance: /, `the job's log keeps its summary line\n${logs}`);
    const check = runCoffer(['at', path.join(data, 'fresh'), 'check'], { env: { COFFER_PASSPHRASE: PW } });
    assert.equal(check.code, 0, describeRun(check));
  });

  it('runs one agent per data folder; re-enrolling the folder stops the old agent cleanly', async () => {
    const dup = await fleet.enroll('dup');
    await dup.start();
    const second = await spawnCoffer(['agent', 'start', '--data', dup.dataDir]).done;
    assert.equal(second.code, 11, describeRun(second));
    assertOneLineError(second);
    assert.match(second.stderr, /another agent runs on .* \(pid \d+\)/);
    assert.ok(dup.proc.running, 'the first agent still runs');
    const token = lines((await fleet.ctlOk(['token', 'create'])).stdout).at(-1) ?? '';
    const again = await spawnCoffer(['agent', 'enroll', '--controller', fleet.address, '--token', token, '--name', 'dup2', '--data', dup.dataDir]).done;
    assert.equal(again.code, 0, describeRun(again));
    assert.match(again.stderr, /stopped the agent that ran on this folder/);
    for (let i = 0; i < 100 && dup.proc.running; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!dup.proc.running, 'the old agent exited');
    assert.match(dup.proc.log(), /stopp/i, 'and stopped as on SIGTERM');
    assert.ok(!fs.existsSync(path.join(dup.dataDir, 'agent.lock')), 'its lock is gone');
  });
});
