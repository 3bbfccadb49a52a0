/**
 * The fleet over NATS JetStream (issue 12): a real controller serving agents over gRPC
 * and NATS at once, a real `nats-server -js` configured by `coffer controller nats-config`
 * (each agent its own NKey user), real agent processes enrolled with --transport nats.
 * A gRPC agent beside them on the same controller. A job's whole life (backup, restore,
 * verify, forget); nats-server, the controller and an agent killed and restarted during a
 * backup (not lost, not run twice, store checks clean); a duplicate delivery of a running
 * job not run twice; a store call (console browsing) answered by a NATS agent; the
 * passphrase never in the JetStream store files; a job at its maximum deliveries removed
 * on the server's advisory; an agent reading
 * another agent's subject refused by the server; a revoked agent refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata } from '@grpc/grpc-js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, nkeyAuthenticator } from '@nats-io/transport-node';
import { StoreServiceClient, type ListTreeResponse } from '@coffer/shared/gen/coffer/v1/store.js';
import { channelCredentials } from '@coffer/shared/pki/index.js';
import { cleanupTmpDirs, describeRun, lines, runCoffer, tmpDir } from '../helpers/cli.js';
import { FINAL, Fleet, type FleetAgent } from '../helpers/fleet.js';
import { assertExhaustedJobRemoved } from '../helpers/nats-exhaust.js';
import { NatsServer, requireNatsServer, writeNatsConfig } from '../helpers/nats-server.js';
import { assertSameTree, sha256Tree, writeRandomFiles, writeTree } from '../helpers/tree.js';

const PW = 'nats transport test passphrase 7f3a';

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('the fleet over NATS JetStream', function () {
  this.timeout(600_000);
  let fleet: Fleet;
  let nats: NatsServer;
  let a1: FleetAgent;
  let a2: FleetAgent;
  let g1: FleetAgent;
  let data: string;

  before(async function () {
    const bin = requireNatsServer(this);
    data = tmpDir('coffer-fleet-nats-');
    writeRandomFiles(path.join(data, 'big'), 10, 16 * 1024 * 1024);
    writeTree(path.join(data, 'small'), { 'a.txt': 'over nats\n', d: { type: 'dir', children: { 'b.bin': Buffer.alloc(300_000, 9) } } });
    const r = runCoffer(['at', path.join(data, 'store'), 'create'], { env: { COFFER_PASSPHRASE: PW } });
    assert.equal(r.code, 0, describeRun(r));
    nats = await NatsServer.prepare(bin, data);
    fleet = await Fleet.start({ COFFER_RETRY_BASE_MS: '1000', COFFER_NATS_ACK_WAIT_MS: '8000' }, ['--nats', nats.url]);
    a1 = await fleet.enroll('n1', { labels: { site: 'paris' }, args: ['--transport', 'nats'] });
    a2 = await fleet.enroll('n2', { labels: { site: 'lyon' }, args: ['--transport', 'nats', '--nats', nats.url] });
    g1 = await fleet.enroll('g1', { labels: { site: 'paris' } });
    writeNatsConfig(fleet.dataDir, nats);
    await nats.start();
    await Promise.all([a1.start(), a2.start(), g1.start()]);
    await fleet.ctlOk(['store', 'add', 'shared', path.join(data, 'store')], { COFFER_PASSPHRASE: PW });
    await fleet.ctlOk(['source', 'add', 'small', path.join(data, 'small'), '--agent', 'n1']);
    await fleet.ctlOk(['source', 'add', 'big', path.join(data, 'big'), '--agent', 'n1']);
    await fleet.ctlOk(['destination', 'add', 'out', path.join(data, 'out'), '--agent', 'n1']);
    await fleet.ctlOk(['source', 'add', 'by-grpc', path.join(data, 'small'), '--agent', 'g1']);
  });

  after(async () => {
    await fleet?.stop();
    await nats?.kill();
    cleanupTmpDirs();
  });

  it('shows each agent\'s transport', async () => {
    const agents = await fleet.ctlJson<{ name: string; transport?: string; connected?: boolean }[]>(['agents']);
    for (const [n, t] of [
      ['n1', 'nats'],
      ['n2', 'nats'],
      ['g1', 'grpc'],
    ]) {
      const a = agents.find((x) => x.name === n);
      assert.equal(a?.transport, t, JSON.stringify(agents));
      assert.equal(a?.connected, true, JSON.stringify(agents));
    }
  });

  it('serves a gRPC agent from the same controller', async () => {
    const b = await fleet.ctl(['job', 'run', 'backup', '--source', 'by-grpc', '--store', 'shared', '--wait']);
    assert.equal(b.code, 0, `${describeRun(b)}\n${fleet.logs()}`);
    assert.match(g1.log(), /"job started"/);
  });

  it('runs a backup, a restore and a verify over NATS', async () => {
    const b = await fleet.ctl(['job', 'run', 'backup', '--source', 'small', '--store', 'shared', '--wait']);
    assert.equal(b.code, 0, `${describeRun(b)}\n${fleet.logs()}\n${nats.log()}`);
    const r = await fleet.ctl(['job', 'run', 'restore', '--store', 'shared', '--snapshot', 'latest', '--destination', 'out', '--wait']);
    assert.equal(r.code, 0, `${describeRun(r)}\n${fleet.logs()}`);
    assertSameTree(sha256Tree(path.join(data, 'small')), sha256Tree(path.join(data, 'out')));
    const v = await fleet.ctl(['job', 'run', 'verify', '--store', 'shared', '--wait']);
    assert.equal(v.code, 0, `${describeRun(v)}\n${fleet.logs()}`);
    const f = await fleet.ctl(['job', 'run', 'forget', '--store', 'shared', '--source', 'small', '--keep-last', '1', '--wait']);
    assert.equal(f.code, 0, `${describeRun(f)}\n${fleet.logs()}`);
  });

  it('never writes the passphrase in clear into the JetStream store', () => {
    const files = filesUnder(nats.storeDir);
    assert.ok(files.length > 0, `no JetStream files under ${nats.storeDir}`);
    for (const f of files) assert.ok(!fs.readFileSync(f).includes(Buffer.from(PW)), `${f} holds the passphrase`);
  });

  it('keeps a backup through a nats-server crash and restart: not lost, not run twice, the store checks clean', async () => {
    const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'big', '--store', 'shared']);
    const id = lines(run.stdout).at(-1) ?? '';
    await fleet.waitJob(id, (j) => j.state === 'JOB_STATE_RUNNING' || FINAL.has(j.state ?? ''), { attempts: 600, intervalMs: 100 }, 'the backup starts');
    await nats.kill();
    await sleep(3000);
    await nats.start();
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 900, intervalMs: 200 }, 'the backup ends');
    assert.equal(j.state, 'JOB_STATE_SUCCEEDED', `${JSON.stringify(j.history)}\n${fleet.logs()}`);
    assert.equal(j.attempt, 1, JSON.stringify(j.history));
    const started = a1.log().split('\n').filter((l) => l.includes('"job started"') && l.includes(id)).length;
    assert.equal(started, 1, `the job ran ${started} times\n${a1.log()}`);
    const check = runCoffer(['at', path.join(data, 'store'), 'check'], { env: { COFFER_PASSPHRASE: PW } });
    assert.equal(check.code, 0, describeRun(check));
  });

  it('keeps a backup through a controller crash and restart: one attempt, run once', async () => {
    const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'big', '--store', 'shared']);
    const id = lines(run.stdout).at(-1) ?? '';
    await fleet.waitJob(id, (j) => j.state === 'JOB_STATE_RUNNING' || FINAL.has(j.state ?? ''), { attempts: 600, intervalMs: 100 }, 'the backup starts');
    const before = a1.connections();
    await fleet.killController();
    await fleet.startController();
    await a1.waitConnected(before);
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 900, intervalMs: 200 }, 'the backup ends');
    assert.equal(j.state, 'JOB_STATE_SUCCEEDED', `${JSON.stringify(j.history)}\n${fleet.logs()}`);
    assert.equal(j.attempt, 1, JSON.stringify(j.history));
    assert.equal(a1.log().split('\n').filter((l) => l.includes('"job started"') && l.includes(id)).length, 1, a1.log());
  });

  it('after an agent crash mid-job, the redelivered attempt is not run again; the job passes on its next attempt', async () => {
    const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'big', '--store', 'shared']);
    const id = lines(run.stdout).at(-1) ?? '';
    await fleet.waitJob(id, (j) => j.state === 'JOB_STATE_RUNNING' || FINAL.has(j.state ?? ''), { attempts: 600, intervalMs: 100 }, 'the backup starts');
    await a1.kill();
    await a1.start();
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 1500, intervalMs: 200 }, 'the backup ends');
    assert.equal(j.state, 'JOB_STATE_SUCCEEDED', `${JSON.stringify(j.history)}\n${fleet.logs()}`);
    const starts = a1.log().split('\n').filter((l) => l.includes('"job started"') && l.includes(id));
    const attempts = starts.map((l) => (JSON.parse(l) as { attempt: number }).attempt);
    assert.equal(new Set(attempts).size, attempts.length, `an attempt ran twice: ${attempts.join(',')}`);
    const check = runCoffer(['at', path.join(data, 'store'), 'check'], { env: { COFFER_PASSPHRASE: PW } });
    assert.equal(check.code, 0, describeRun(check));
  });

  it('does not run a job twice when its message is delivered twice', async () => {
    const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'big', '--store', 'shared']);
    const id = lines(run.stdout).at(-1) ?? '';
    await fleet.waitJob(id, (j) => j.state === 'JOB_STATE_RUNNING' || FINAL.has(j.state ?? ''), { attempts: 600, intervalMs: 100 }, 'the backup starts');
    // As the controller: the stored job message, published again under another message id.
    const seed = fs.readFileSync(path.join(fleet.dataDir, 'nats-controller.nk'), 'utf8').trim();
    const nc = await connect({ servers: nats.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), timeout: 5000 });
    try {
      const jsm = await jetstreamManager(nc);
      const cfg = JSON.parse(fs.readFileSync(path.join(a1.dataDir, 'agent.json'), 'utf8')) as { agentId: string };
      const stored = await jsm.streams.getMessage('COFFER_JOBS', { last_by_subj: `coffer.jobs.paris.${cfg.agentId}` });
      assert.ok(stored, 'the running job is in the jobs stream until it is acked');
      const js = jetstream(nc);
      const same = await js.publish(stored.subject, stored.data, { msgID: `${id}.1` });
      assert.equal(same.duplicate, true, 'the same message id is dropped by the server');
      await js.publish(stored.subject, stored.data, { msgID: `${id}.1.copy` });
    } finally {
      await nc.close();
    }
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 900, intervalMs: 200 }, 'the backup ends');
    assert.equal(j.state, 'JOB_STATE_SUCCEEDED', `${JSON.stringify(j.history)}\n${fleet.logs()}`);
    await sleep(2000);
    assert.equal(a1.log().split('\n').filter((l) => l.includes('"job started"') && l.includes(id)).length, 1, a1.log());
    assert.match(a1.log(), /a job delivered again was not run twice/);
  });

  it('refuses, at the server, an agent reading another agent\'s jobs or messages', async () => {
    const seed = fs.readFileSync(path.join(a2.dataDir, 'nats.nk'), 'utf8').trim();
    const cfg = JSON.parse(fs.readFileSync(path.join(a1.dataDir, 'agent.json'), 'utf8')) as { agentId: string };
    const nc = await connect({ servers: nats.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), timeout: 5000 });
    try {
      const denied: string[] = [];
      const seen = (async () => {
        for await (const s of nc.status()) if (s.type === 'error' || s.type === 'update' || String(s.type).includes('permission')) denied.push(JSON.stringify(s));
      })();
      nc.subscribe(`coffer.down.paris.${cfg.agentId}`);
      const pull = nc.request(`$JS.API.CONSUMER.MSG.NEXT.COFFER_JOBS.agent-${cfg.agentId}`, '', { timeout: 2000 }).then(
        () => 'answered',
        (e: unknown) => String(e),
      );
      const outcome = await pull;
      await nc.flush();
      await sleep(500);
      assert.notEqual(outcome, 'answered', 'another agent pulled n1\'s jobs');
      assert.ok(denied.some((d) => /permission/i.test(d)), `the server reported no permission violation: ${denied.join(', ')}`);
      void seen;
    } finally {
      await nc.close();
    }
  });

  it('answers a store call (console browsing) through a NATS agent, its passphrase sealed', async () => {
    const r = runCoffer(['at', path.join(data, 'lyon'), 'create'], { env: { COFFER_PASSPHRASE: PW } });
    assert.equal(r.code, 0, describeRun(r));
    await fleet.ctlOk(['store', 'add', 'lyon', path.join(data, 'lyon'), 'reach=site=lyon'], { COFFER_PASSPHRASE: PW });
    await fleet.ctlOk(['source', 'add', 'lyon-small', path.join(data, 'small'), '--agent', 'n2']);
    const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'lyon-small', '--store', 'lyon', '--wait']);
    const snapshot = (await fleet.getJob(lines(run.stdout).at(-1) ?? ''))?.result?.snapshot?.id ?? '';
    assert.ok(snapshot, 'the backup into lyon');
    const client = new StoreServiceClient(fleet.address, channelCredentials(fs.readFileSync(fleet.caFile, 'utf8')));
    const md = new Metadata();
    md.set('authorization', `Bearer ${fleet.adminToken}`);
    try {
      const res = await new Promise<ListTreeResponse>((resolve, reject) =>
        client.listTree({ store: 'lyon', snapshot, path: '', sort: '', descending: false, offset: 0, limit: 0, filter: '' }, md, { deadline: Date.now() + 60_000 }, (err, x) => (err ? reject(err) : resolve(x))),
      );
      assert.deepEqual(res.entries.map((e) => e.name).sort(), ['a.txt', 'd']);
    } finally {
      client.close();
    }
  });

  it('removes a job that reached its maximum deliveries, on the MAX_DELIVERIES advisory', async () => {
    await assertExhaustedJobRemoved(nats.url, fleet.dataDir, 'coffer.jobs.test.exhausted', 'exhaustedjob', () => fleet.controller.log());
  });

  it('refuses a revoked agent', async () => {
    await fleet.ctlOk(['agent', 'revoke', 'n2']);
    await sleep(500);
    await a2.stop();
    const before = a2.connections();
    a2.proc.spawn();
    await sleep(8000);
    assert.equal(a2.connections(), before, `a revoked agent connected\n${a2.log()}`);
    assert.match(fleet.controller.log(), /NATS agent refused/);
    const agents = await fleet.ctlJson<{ name: string; connected?: boolean }[]>(['agents']);
    assert.equal(agents.find((a) => a.name === 'n2')?.connected ?? false, false);
  });
});
