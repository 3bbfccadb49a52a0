/**
 * Transport conformance: the same fleet scenarios over each agent transport (gRPC and
 * NATS JetStream), with real controller, agent and nats-server processes. Each
 * transport must give the same outcomes: a backup and its restore, a running backup
 * cancelled through the controller (ends cancelled, not retried, store clean), a
 * controller crash during a backup (the job ends on its first attempt, run once), a
 * store whose passphrase only the agent keeps, and an agent stopped cleanly mid-job
 * (the job ends, and the restarted agent runs the next one); over NATS, jobs longer than
 * the AckWait are not delivered again (working()).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupTmpDirs, describeRun, lines, runCoffer, tmpDir } from '../helpers/cli.js';
import { FINAL, Fleet, type FleetAgent } from '../helpers/fleet.js';
import { NatsServer, requireNatsServer, writeNatsConfig } from '../helpers/nats-server.js';
import { assertSameTree, sha256Tree, writeRandomFiles, writeTree } from '../helpers/tree.js';

const PW = 'transport conformance passphrase';
const AGENT_PW = 'kept by the agent alone';

for (const transport of ['grpc', 'nats'] as const) {
  describe(`agent transport conformance: ${transport}`, function () {
    this.timeout(600_000);
    let fleet: Fleet;
    let nats: NatsServer | undefined;
    let agent: FleetAgent;
    let data: string;

    const startedBackup = async (): Promise<string> => {
      const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'big', '--store', 'shared']);
      const id = lines(run.stdout).at(-1) ?? '';
      await fleet.waitJob(id, (j) => j.state === 'JOB_STATE_RUNNING' || FINAL.has(j.state ?? ''), { attempts: 600, intervalMs: 100 }, 'the backup starts');
      return id;
    };
    const startsOf = (id: string): number => agent.log().split('\n').filter((l) => l.includes('"job started"') && l.includes(id)).length;

    before(async function () {
      const bin = transport === 'nats' ? requireNatsServer(this) : undefined;
      data = tmpDir(`coffer-conformance-${transport}-`);
      writeRandomFiles(path.join(data, 'big'), 10, 16 * 1024 * 1024);
      writeTree(path.join(data, 'small'), { 'a.txt': `over ${transport}\n`, d: { type: 'dir', children: { 'b.bin': Buffer.alloc(100_000, 3) } } });
      for (const [store, pw] of [
        ['store', PW],
        ['private', AGENT_PW],
      ] as const) {
        const r = runCoffer(['at', path.join(data, store), 'create'], { env: { COFFER_PASSPHRASE: pw } });
        assert.equal(r.code, 0, describeRun(r));
      }
      nats = bin ? await NatsServer.prepare(bin, data) : undefined;
      // NATS: an AckWait shorter than the backups, so that only working() keeps them from being redelivered.
      fleet = await Fleet.start({ COFFER_RETRY_BASE_MS: '1000', COFFER_NATS_ACK_WAIT_MS: '1000' }, nats ? ['--nats', nats.url] : []);
      agent = await fleet.enroll('solo', { labels: { site: 'here' }, ...(nats ? { args: ['--transport', 'nats'] } : {}) });
      fs.writeFileSync(path.join(agent.dataDir, 'passphrases.json'), JSON.stringify({ private: AGENT_PW }), { mode: 0o600 });
      if (nats) {
        writeNatsConfig(fleet.dataDir, nats);
        await nats.start();
      }
      await agent.start();
      await fleet.ctlOk(['store', 'add', 'shared', path.join(data, 'store')], { COFFER_PASSPHRASE: PW });
      await fleet.ctlOk(['store', 'add', 'private', path.join(data, 'private'), '--passphrase-on-agent']);
      await fleet.ctlOk(['source', 'add', 'big', path.join(data, 'big'), '--agent', 'solo']);
      await fleet.ctlOk(['source', 'add', 'small', path.join(data, 'small'), '--agent', 'solo']);
      await fleet.ctlOk(['destination', 'add', 'out', path.join(data, 'out'), '--agent', 'solo']);
    });

    after(async () => {
      await fleet?.stop();
      await nats?.kill();
      cleanupTmpDirs();
    });

    it('runs a backup and restores it', async () => {
      const b = await fleet.ctl(['job', 'run', 'backup', '--source', 'small', '--store', 'shared', '--wait']);
      assert.equal(b.code, 0, `${describeRun(b)}\n${fleet.logs()}`);
      const r = await fleet.ctl(['job', 'run', 'restore', '--store', 'shared', '--snapshot', 'latest', '--destination', 'out', '--wait']);
      assert.equal(r.code, 0, `${describeRun(r)}\n${fleet.logs()}`);
      assertSameTree(sha256Tree(path.join(data, 'small')), sha256Tree(path.join(data, 'out')));
      const agents = await fleet.ctlJson<{ name: string; transport?: string }[]>(['agents']);
      assert.equal(agents.find((a) => a.name === 'solo')?.transport, transport);
    });

    it('cancels a running backup through the controller: cancelled, not retried, the store checks clean', async () => {
      const id = await startedBackup();
      await fleet.ctlOk(['job', 'cancel', id]);
      const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 600, intervalMs: 200 }, 'the cancelled backup ends');
      assert.equal(j.state, 'JOB_STATE_CANCELLED', JSON.stringify(j.history));
      assert.equal(j.attempt, 1);
      const check = runCoffer(['at', path.join(data, 'store'), 'check'], { env: { COFFER_PASSPHRASE: PW } });
      assert.equal(check.code, 0, describeRun(check));
    });

    it('finishes a backup on its first attempt across a controller crash, run once', async () => {
      const id = await startedBackup();
      const before = agent.connections();
      await fleet.killController();
      await fleet.startController();
      await agent.waitConnected(before);
      const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 900, intervalMs: 200 }, 'the backup ends');
      assert.equal(j.state, 'JOB_STATE_SUCCEEDED', `${JSON.stringify(j.history)}\n${fleet.logs()}`);
      assert.equal(j.attempt, 1, JSON.stringify(j.history));
      assert.equal(startsOf(id), 1, agent.log());
    });

    it('backs up to a store whose passphrase only the agent keeps', async () => {
      const b = await fleet.ctl(['job', 'run', 'backup', '--source', 'small', '--store', 'private', '--wait']);
      assert.equal(b.code, 0, `${describeRun(b)}\n${fleet.logs()}`);
    });

    it('ends a job whose agent stops cleanly mid-job, and the next start runs new jobs', async () => {
      const id = await startedBackup();
      await agent.stop();
      await agent.start();
      const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 900, intervalMs: 200 }, 'the interrupted backup ends');
      assert.ok(FINAL.has(j.state ?? ''), JSON.stringify(j.history));
      const b = await fleet.ctl(['job', 'run', 'backup', '--source', 'small', '--store', 'shared', '--wait']);
      assert.equal(b.code, 0, `${describeRun(b)}\n${fleet.logs()}`);
    });

    if (transport === 'nats') {
      it('keeps jobs longer than the AckWait alive with working(): none was delivered again', async () => {
        writeRandomFiles(path.join(data, 'fresh'), 32, 16 * 1024 * 1024);
        await fleet.ctlOk(['source', 'add', 'fresh', path.join(data, 'fresh'), '--agent', 'solo']);
        const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'fresh', '--store', 'shared']);
        const id = lines(run.stdout).at(-1) ?? '';
        const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 900, intervalMs: 200 }, 'the long backup ends');
        assert.equal(j.state, 'JOB_STATE_SUCCEEDED', JSON.stringify(j.history));
        const ran = (j.finishedMs ?? 0) - (j.startedMs ?? 0);
        assert.ok(ran > 1500, `the backup took ${ran} ms, not clearly longer than the AckWait (1000 ms): the test proves nothing`);
        assert.doesNotMatch(agent.log(), /delivered again/, agent.log());
      });
    }
  });
}
