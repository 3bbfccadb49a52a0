/**
 * The fleet end to end (issue §9): a controller and two agents as child processes
 * (a1 with site=one, a2 with site=two), a store on a real OpenSSH server. Token, enroll,
 * store, sources, a schedule; jobs run on the right agent; snapshots appear in
 * `coffer ctl snapshots` and in the store itself; restore and verify jobs. Then the
 * failures: the controller SIGKILLed and restarted in the middle of a backup, an agent
 * SIGKILLed in the middle of one, a revoked agent, clients without (or with wrong)
 * credentials, bad API input. The tests run in order and share the fleet; every wait
 * is a bounded poll, never a timed assertion.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ControllerServiceClient } from '@coffer/shared/gen/coffer/v1/controller.js';
import { channelCredentials } from '@coffer/shared/pki/index.js';
import { assertOneLineError, cleanupTmpDirs, describeRun, hasTool, IN_CI, lines, spawnCoffer, tmpDir, type RunResult } from '../helpers/cli.js';
import { FINAL, Fleet, type FleetAgent, type JobView } from '../helpers/fleet.js';
import { haveSshd, makeSshHome, startSshd, type TestSshd } from '../helpers/sshd.js';
import { assertSameTree, sha256Tree, writeRandomFiles, writeTree } from '../helpers/tree.js';

/**
 * Size of the source the crash tests back up: big enough to be caught in the middle.
 * On a quiet machine a backup runs at about 200 MB/s and reports progress once a second,
 * so 192 MB could finish before its first progress; 640 MB takes about 3 s.
 */
const BIG_MB = Number(process.env.COFFER_FLEET_BIG_MB ?? 640);

interface SnapshotJson {
  readonly id: string;
  readonly source?: string;
  readonly store?: string;
}
interface AgentJson {
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly connected?: boolean;
  readonly revoked?: boolean;
}
interface ScheduleJson {
  readonly name: string;
  readonly nextRunMs?: number;
}

const SUCCEEDED = 'JOB_STATE_SUCCEEDED';
const RUNNING = 'JOB_STATE_RUNNING';

/** The job id `coffer ctl job run` prints as its last line. */
function jobId(r: RunResult): string {
  const id = lines(r.stdout).at(-1) ?? '';
  assert.match(id, /^[0-9a-f]{16}$/, `a job id on stdout\n${describeRun(r)}`);
  return id;
}

/** A unary API call without the ctl client: resolves with the error, or fails when the call succeeds. */
function rawError<Req>(call: (req: Req, md: Metadata, cb: (err: ServiceError | null) => void) => unknown, req: Req, md = new Metadata()): Promise<ServiceError> {
  return new Promise((resolve, reject) => {
    call(req, md, (err) => (err ? resolve(err) : reject(new Error('the call succeeded; expected a refusal'))));
  });
}

describe('the fleet: controller and agents as processes, a store on SFTP', function () {
  this.timeout(600_000);
  let sshd: TestSshd;
  let fleet: Fleet;
  let a1: FleetAgent;
  let a2: FleetAgent;
  let home: string;
  let data: string;
  const storeUrl = (name: string): string => `sftp://${sshd.user}@${sshd.host}:${sshd.port}${path.join(sshd.dir, name)}`;
  const sshEnv = (): Record<string, string | undefined> => ({ HOME: home, SSH_AUTH_SOCK: undefined });
  /** `coffer at STORE ...` directly, not through the fleet. */
  const at = (store: string, args: readonly string[]): Promise<RunResult> => spawnCoffer(['at', store, ...args], { env: sshEnv() }).done;
  const ok = (r: RunResult, what: string): RunResult => {
    assert.equal(r.code, 0, `${what}: expected exit 0\n${describeRun(r)}\n${fleet.logs()}`);
    return r;
  };
  const snapshotsInStore = async (store: string): Promise<string[]> => lines(ok(await at(store, ['ls', '--json']), 'ls --json').stdout).map((l) => (JSON.parse(l) as { id: string }).id);

  before(async function () {
    if (!haveSshd() && !IN_CI) this.skip();
    sshd = await startSshd();
    home = makeSshHome(sshd, tmpDir());
    data = tmpDir('coffer-fleet-data-');
    writeTree(path.join(data, 'src1'), { 'one.txt': 'from agent one\n', d: { type: 'dir', children: { 'x.bin': Buffer.alloc(300_000, 1) } } });
    writeTree(path.join(data, 'src2'), {
      'two.txt': 'from agent two\n',
      sub: { type: 'dir', mode: 0o750, children: { 'y.bin': Buffer.alloc(1_500_000, 2), 'z.txt': { type: 'file', content: 'z\n', mode: 0o600, mtime: 1_600_000_000.25 } } },
      link: { type: 'symlink', target: 'two.txt' },
    });
    writeRandomFiles(path.join(data, 'big'), Math.max(1, Math.round(BIG_MB / 16)), 16 * 1024 * 1024);

    // Short grace for lost agents and short retry delays (the defaults are minutes).
    fleet = await Fleet.start({ COFFER_AGENT_LOST_MS: '3000', COFFER_RETRY_BASE_MS: '1000' });
    [a1, a2] = await Promise.all([fleet.enroll('a1', { labels: { site: 'one' } }), fleet.enroll('a2', { labels: { site: 'two' } })]);
    await Promise.all([a1.start(), a2.start()]);

    const ssh = [`identity=${sshd.clientKey}`, `known_hosts=${sshd.knownHosts}`];
    for (const r of await Promise.all(['store', 'store2'].map((n) => at(storeUrl(n), ['create'])))) ok(r, 'create a store');
    await Promise.all([
      fleet.ctlOk(['store', 'add', 's1', storeUrl('store'), ...ssh]),
      fleet.ctlOk(['store', 'add', 's1-two', storeUrl('store'), ...ssh, 'reach=site=two']),
      fleet.ctlOk(['store', 'add', 's2', storeUrl('store2'), ...ssh]),
      fleet.ctlOk(['source', 'add', 'src1', path.join(data, 'src1'), '--agent', 'a1']),
      fleet.ctlOk(['source', 'add', 'src2', path.join(data, 'src2'), '--agent', 'a2']),
      fleet.ctlOk(['source', 'add', 'big', path.join(data, 'big'), '--agent', 'a2']),
      fleet.ctlOk(['destination', 'add', 'd2', path.join(data, 'restored'), '--agent', 'a2']),
    ]);
  });

  after(async () => {
    await fleet?.stop();
    await sshd?.stop();
    cleanupTmpDirs();
  });

  it('lists both agents connected with their labels; /healthz and /metrics answer', async () => {
    const agents = await fleet.ctlJson<AgentJson[]>(['agents']);
    const byName = new Map(agents.map((a) => [a.name, a]));
    assert.deepEqual(byName.get('a1')?.labels, { site: 'one' });
    assert.deepEqual(byName.get('a2')?.labels, { site: 'two' });
    assert.ok(byName.get('a1')?.connected && byName.get('a2')?.connected, JSON.stringify(agents));
    const health = await fetch(`http://127.0.0.1:${fleet.httpPort}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { agentsConnected?: number }).agentsConnected, 2);
    const metrics = await fetch(`http://127.0.0.1:${fleet.httpPort}/metrics`);
    assert.equal(metrics.status, 200);
    const exposition = await metrics.text();
    assert.match(exposition, /^coffer_/m);
    // Prometheus' own linter (Debian prometheus): names, types, units and help as it expects.
    if (!hasTool('promtool')) {
      if (IN_CI) assert.fail('promtool (Debian package prometheus) is missing');
      return;
    }
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 30_000 });
    assert.equal(lint.status, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}`);
  });

  it('takes a schedule (--every 1m) and lists its next run within the minute', async () => {
    const before = Date.now();
    await fleet.ctlOk(['schedule', 'add', 'every-minute', '--source', 'src1', '--store', 's1', '--every', '1m']);
    const list = await fleet.ctlJson<ScheduleJson[]>(['schedule', 'list']);
    const s = list.find((x) => x.name === 'every-minute');
    assert.ok(s?.nextRunMs, JSON.stringify(list));
    assert.ok(s.nextRunMs > before && s.nextRunMs <= Date.now() + 60_000, `next run ${new Date(s.nextRunMs).toISOString()} is within the minute`);
  });

  let snap2 = '';
  it("runs a backup of a2's source on a2; the snapshot is in ctl snapshots and in the store", async () => {
    const run = ok(await fleet.ctl(['job', 'run', 'backup', '--source', 'src2', '--store', 's1', '--wait']), 'backup --wait');
    const id = jobId(run);
    const [job, listed, inStore, logs] = await Promise.all([
      fleet.ctlJson<JobView>(['job', 'show', id]),
      fleet.ctlJson<SnapshotJson[]>(['snapshots', '--store', 's1']),
      snapshotsInStore(storeUrl('store')),
      fleet.ctlOk(['job', 'logs', id]),
    ]);
    assert.equal(job.state, SUCCEEDED);
    assert.equal(job.agent, 'a2', 'the source belongs to a2');
    snap2 = job.result?.snapshot?.id ?? '';
    assert.match(snap2, /^[0-9a-f]{64}$/, JSON.stringify(job));
    assert.ok(listed.some((s) => s.id === snap2 && s.source === 'src2'), `snapshot ${snap2} of src2 in ${JSON.stringify(listed)}`);
    assert.ok(inStore.includes(snap2), 'the store itself lists the snapshot');
    assert.doesNotMatch(logs.stdout + logs.stderr, /correct horse/, 'no passphrase in the job log');
  });

  it('restores that snapshot to a destination of a2', async () => {
    const id = jobId(ok(await fleet.ctl(['job', 'run', 'restore', '--store', 's1', '--snapshot', snap2, '--destination', 'd2', '--wait']), 'restore --wait'));
    const job = await fleet.ctlJson<JobView>(['job', 'show', id]);
    assert.equal(job.agent, 'a2');
    assertSameTree(sha256Tree(path.join(data, 'src2')), sha256Tree(path.join(data, 'restored')));
  });

  it('verifies the store, and through reach=site=two only on a2', async () => {
    const [any, two] = await Promise.all([
      fleet.ctl(['job', 'run', 'verify', '--store', 's1', '--read-data-subset', '50%', '--wait']),
      fleet.ctl(['job', 'run', 'verify', '--store', 's1-two', '--wait']),
    ]);
    const [j, k] = await Promise.all([fleet.ctlJson<JobView>(['job', 'show', jobId(ok(any, 'verify s1'))]), fleet.ctlJson<JobView>(['job', 'show', jobId(ok(two, 'verify s1-two'))])]);
    assert.ok(j.agent === 'a1' || j.agent === 'a2', JSON.stringify(j));
    assert.equal(j.state, SUCCEEDED);
    assert.equal(k.agent, 'a2', 'only a2 has site=two');
    assert.equal(k.state, SUCCEEDED);
  });

  it('rejects bad API input with a message naming the field', async () => {
    // [arguments, exit status, what stderr says]: NOT_FOUND is exit 1, INVALID_ARGUMENT exit 2.
    const cases: [string[], number, RegExp][] = [
      [['job', 'run', 'backup', '--source', 'src2', '--store', 'nope'], 1, /store 'nope' does not exist/],
      [['snapshots', '--store', 'nope'], 1, /store 'nope' does not exist/],
      [['source', 'add', 'src9', path.join(data, 'src1'), '--agent', 'nobody'], 1, /agent 'nobody' does not exist/],
      [['schedule', 'add', 'bad-cron', '--source', 'src1', '--store', 's1', '--cron', 'every tuesday at noon'], 2, /cron/],
      [['store', 'add', 'x', 'ftp://127.0.0.1/srv/x'], 2, /^coffer: location: unknown scheme 'ftp:'/],
      [['source', 'add', 'src9', 'relative/path', '--agent', 'a2'], 2, /^coffer: location: /],
      [['store', 'add', 'bad name!', '/srv/x'], 2, /^coffer: name: 'bad name!' is not a valid name/],
      [['job', 'run', 'verify', '--store', 's1', '--read-data-subset', 'half'], 2, /^coffer: read_data_subset: /],
    ];
    const runs = await Promise.all(cases.map(([args]) => fleet.ctl(args)));
    for (const [i, r] of runs.entries()) {
      const [, code, message] = cases[i] as [string[], number, RegExp];
      assert.equal(r.code, code, describeRun(r));
      assert.match(r.stderr, message, describeRun(r));
      assertOneLineError(r);
    }

    // The same checks hold for any API client, not only ctl.
    const client = new ControllerServiceClient(fleet.address, channelCredentials(fs.readFileSync(fleet.caFile, 'utf8')));
    try {
      const md = new Metadata();
      md.set('authorization', `Bearer ${fleet.adminToken}`);
      const opt = await rawError(client.addStore.bind(client), { name: 'x', location: '/srv/x', options: { 'Bad-Key': 'v' }, passphrase: 'p', passphraseOnAgent: false }, md);
      assert.equal(opt.code, status.INVALID_ARGUMENT, opt.details);
      assert.match(opt.details, /options\.Bad-Key/);
      const secret = await rawError(client.addStore.bind(client), { name: 'x', location: '/srv/x', options: { passphrase: 'p' }, passphrase: 'p', passphraseOnAgent: false }, md);
      assert.equal(secret.code, status.INVALID_ARGUMENT, secret.details);
      const spec = await rawError(client.runJob.bind(client), { spec: undefined, maxAttempts: 0, waitSeconds: 0 }, md);
      assert.equal(spec.code, status.INVALID_ARGUMENT, spec.details);
      assert.match(spec.details, /^spec:/);
    } finally {
      client.close();
    }
    const stores = await fleet.ctlJson<{ name: string }[]>(['store', 'list']);
    assert.deepEqual(stores.map((s) => s.name).sort(), ['s1', 's1-two', 's2'], 'nothing bad was added');
  });

  it('refuses clients without credentials or with a wrong token', async () => {
    const none = await fleet.ctl(['agents'], { COFFER_TOKEN: undefined });
    assert.equal(none.code, 2, `refused locally as a usage error\n${describeRun(none)}`);
    assert.match(none.stderr, /no credentials/);
    assertOneLineError(none);
    const wrong = await fleet.ctl(['agents'], { COFFER_TOKEN: 'not-the-admin-token' });
    assert.equal(wrong.code, 1, describeRun(wrong));
    assert.match(wrong.stderr, /the controller refused: the admin token is wrong/);
    assertOneLineError(wrong);

    const caPem = fs.readFileSync(fleet.caFile, 'utf8');
    const anonymous = new ControllerServiceClient(fleet.address, channelCredentials(caPem));
    const agentCert = new ControllerServiceClient(
      fleet.address,
      channelCredentials(caPem, fs.readFileSync(path.join(a2.dataDir, 'cert.pem'), 'utf8'), fs.readFileSync(path.join(a2.dataDir, 'key.pem'), 'utf8')),
    );
    try {
      const e = await rawError(anonymous.listAgents.bind(anonymous), {});
      assert.equal(e.code, status.UNAUTHENTICATED, e.details);
      assert.match(e.details, /no credentials/);
      const job = await rawError(anonymous.runJob.bind(anonymous), { spec: { spec: { $case: 'verify', value: { store: 's1', readDataSubset: '', fast: true } } }, maxAttempts: 0, waitSeconds: 0 });
      assert.equal(job.code, status.UNAUTHENTICATED, job.details);
      const md = new Metadata();
      md.set('authorization', 'Bearer wrong');
      const bad = await rawError(anonymous.listAgents.bind(anonymous), {}, md);
      assert.equal(bad.code, status.UNAUTHENTICATED, bad.details);
      const asAgent = await rawError(agentCert.listAgents.bind(agentCert), {});
      assert.equal(asAgent.code, status.PERMISSION_DENIED, asAgent.details);
    } finally {
      anonymous.close();
      agentCert.close();
    }
    const jobs = await fleet.ctlJson<JobView[]>(['job', 'list']);
    assert.ok(!jobs.some((j) => j.kind === 'JOB_KIND_VERIFY' && j.state !== SUCCEEDED), 'the refused RunJob queued nothing');
  });

  /** Starts a backup of `big` into `store` and waits until it runs on a2 and has moved data. */
  async function bigBackupRunning(store: string): Promise<string> {
    const id = jobId(ok(await fleet.ctl(['job', 'run', 'backup', '--source', 'big', '--store', store]), `backup big to ${store}`));
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? '') || (x.state === RUNNING && (x.progress?.bytes ?? 0) > 0), { attempts: 1200, intervalMs: 50 }, 'the big backup gets going');
    assert.equal(j.state, RUNNING, `the backup of ${BIG_MB} MB must still run to be interrupted (raise COFFER_FLEET_BIG_MB)\n${JSON.stringify(j)}`);
    assert.equal(j.agent, 'a2');
    return id;
  }

  it('finishes a backup whose controller was SIGKILLed and restarted in the middle of it', async () => {
    const id = await bigBackupRunning('s1');
    const conns = [a1.connections(), a2.connections()] as const;
    await fleet.killController();
    await fleet.startController();
    await a1.waitConnected(conns[0], { attempts: 600, intervalMs: 100 });
    await a2.waitConnected(conns[1], { attempts: 600, intervalMs: 100 });
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 600, intervalMs: 500 }, 'the backup ends after the restart');
    assert.equal(j.state, SUCCEEDED, JSON.stringify(j));
    assert.equal(j.attempt, 1, `the agent kept running the first attempt and delivered its result: ${JSON.stringify(j.history)}`);
    const snap = j.result?.snapshot?.id ?? '';
    const listed = await fleet.ctlJson<SnapshotJson[]>(['snapshots', '--store', 's1']);
    assert.ok(listed.some((s) => s.id === snap && s.source === 'big'), `snapshot ${snap} listed after the restart: ${JSON.stringify(listed)}`);
    assert.ok((await snapshotsInStore(storeUrl('store'))).includes(snap));
    assert.equal(fleet.controller.count('controller started'), 2);
  });

  it('fails and retries a backup whose agent was SIGKILLed; the store checks clean', async () => {
    const id = await bigBackupRunning('s2');
    await a2.kill();
    // COFFER_AGENT_LOST_MS=3000: the attempt fails for a retry once the agent has been gone that long.
    const lost = await fleet.waitJob(id, (x) => (x.history ?? []).some((h) => /lost contact with agent a2/.test(h.message ?? '')), { attempts: 300, intervalMs: 200 }, 'the attempt fails');
    assert.ok(!FINAL.has(lost.state ?? ''), `queued for a retry, not final: ${JSON.stringify(lost)}`);
    const agents = await fleet.ctlJson<AgentJson[]>(['agents']);
    assert.ok(agents.find((a) => a.name === 'a2')?.connected !== true, `a2 offline: ${JSON.stringify(agents)}`);
    // The agent comes back: it stops the job process its previous life left behind, reports the job failed, and runs the retry.
    await a2.start();
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 600, intervalMs: 500 }, 'the retried backup ends');
    assert.equal(j.state, SUCCEEDED, JSON.stringify(j));
    // One retry: the returning agent's report of the interrupted attempt is not taken for the retry's result.
    assert.equal(j.attempt, 2, `retried once: ${JSON.stringify(j.history)}`);
    assert.match(a2.log(), /interrupted when the agent stopped/);
    assert.deepEqual(fs.readdirSync(path.join(a2.dataDir, 'running')), [], 'no job recorded as running on a2');
    ok(await at(storeUrl('store2'), ['check']), 'check of the store the killed backup wrote to');
    assert.ok((await snapshotsInStore(storeUrl('store2'))).includes(j.result?.snapshot?.id ?? '-'));
  });

  it('ran the every-minute schedule on a1', async () => {
    const find = async (): Promise<JobView | undefined> => (await fleet.ctlJson<JobView[]>(['job', 'list'])).find((j) => j.schedule === 'every-minute' && FINAL.has(j.state ?? ''));
    let job: JobView | undefined;
    for (let i = 0; i < 150 && !job; i++) {
      job = await find();
      if (!job) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(job, `a scheduled run finished\n${fleet.logs()}`);
    assert.equal(job.state, SUCCEEDED, JSON.stringify(job));
    assert.equal(job.agent, 'a1');
    const listed = await fleet.ctlJson<SnapshotJson[]>(['snapshots', '--store', 's1']);
    assert.ok(listed.some((s) => s.source === 'src1' && s.id === job.result?.snapshot?.id), JSON.stringify(listed));
    await fleet.ctlOk(['schedule', 'rm', 'every-minute']);
  });

  it('refuses a revoked agent; its jobs are not run and fail at their deadline', async () => {
    const r = await fleet.ctlOk(['agent', 'revoke', 'a1']);
    assert.match(r.stdout, /agent a1 revoked/);
    let refused = false;
    for (let i = 0; i < 300 && !refused; i++) {
      refused = /the controller refused: agent a1 has been revoked/.test(a1.log());
      if (!refused) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(refused, `a1's log shows the refusal\n${fleet.logs()}`);
    const a = (await fleet.ctlJson<AgentJson[]>(['agents'])).find((x) => x.name === 'a1');
    assert.equal(a?.revoked, true);
    assert.ok(a?.connected !== true, `a1 not connected: ${JSON.stringify(a)}`);
    assert.match(fleet.controller.log(), /agent connection refused/);
    const id = jobId(ok(await fleet.ctl(['job', 'run', 'backup', '--source', 'src1', '--store', 's1', '--wait-for', '2']), 'backup for a revoked agent'));
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 100, intervalMs: 200 }, 'the job fails at its deadline');
    assert.equal(j.state, 'JOB_STATE_FAILED');
    assert.equal(j.agent ?? '', '', 'never sent to an agent');
    assert.match(JSON.stringify(j.history), /no agent could run it before its deadline/);
  });
});
