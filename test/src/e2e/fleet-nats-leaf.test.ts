/**
 * A site behind a NATS leaf node with its own JetStream domain (`--nats-leaf
 * paris=paris`): real hub and leaf nats-servers (configured by `coffer controller
 * nats-config`, the leaf dialling the hub), the controller on the hub and an agent on
 * the leaf. The site's jobs stream lives on the leaf (not on the hub); a job runs over
 * the leaf; with the leaf down a job waits, and runs once the leaf is back (the attempt
 * sent while the leaf was unreachable is not counted as an attempt and is sent again). The
 * leaf link is authenticated: a leaf without its site's password is refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nkeyAuthenticator } from '@nats-io/transport-node';
import { cleanupTmpDirs, createStore, describeRun, lines, tmpDir } from '../helpers/cli.js';
import { FINAL, type Fleet } from '../helpers/fleet.js';
import { assertExhaustedJobRemoved } from '../helpers/nats-exhaust.js';
import { startLeafSite } from '../helpers/nats-leaf-site.js';
import { NatsServer, requireNatsServer } from '../helpers/nats-server.js';
import { writeRandomFiles } from '../helpers/tree.js';

const PW = 'leaf site passphrase';

describe('a site behind a NATS leaf node', function () {
  this.timeout(300_000);
  let fleet: Fleet;
  let hub: NatsServer;
  let leaf: NatsServer;
  let data: string;

  before(async function () {
    const bin = requireNatsServer(this);
    data = tmpDir('coffer-leaf-');
    writeRandomFiles(path.join(data, 'src'), 4, 1024 * 1024);
    createStore(path.join(data, 'store'), [], { env: { COFFER_PASSPHRASE: PW } });
    ({ fleet, hub, leaf } = await startLeafSite(bin, data, { COFFER_RETRY_BASE_MS: '1000', COFFER_AGENT_LOST_MS: '120000' }));
    await fleet.ctlOk(['store', 'add', 'shared', path.join(data, 'store')], { COFFER_PASSPHRASE: PW });
    await fleet.ctlOk(['source', 'add', 'src', path.join(data, 'src'), '--agent', 'p1']);
  });

  after(async () => {
    await fleet?.stop();
    await leaf?.kill();
    await hub?.kill();
    cleanupTmpDirs();
  });

  it('runs a job over the leaf, its stream on the leaf and not on the hub', async () => {
    const b = await fleet.ctl(['job', 'run', 'backup', '--source', 'src', '--store', 'shared', '--wait']);
    assert.equal(b.code, 0, `${describeRun(b)}\n${fleet.logs()}\n${hub.log()}\n${leaf.log()}`);
    const seed = fs.readFileSync(path.join(fleet.dataDir, 'nats-controller.nk'), 'utf8').trim();
    const nc = await connect({ servers: hub.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), timeout: 5000 });
    try {
      const onHub = await (await jetstreamManager(nc)).streams.info('COFFER_JOBS');
      assert.ok(!(onHub.config.subjects ?? []).some((x) => x.startsWith('coffer.')), `the hub's jobs stream takes no leaf site: ${JSON.stringify(onHub.config.subjects)}`);
      assert.equal(onHub.state.messages, 0);
      const onLeaf = await (await jetstreamManager(nc, { domain: 'paris' })).streams.info('COFFER_JOBS');
      assert.deepEqual(onLeaf.config.subjects, ['coffer.jobs.paris.*']);
    } finally {
      await nc.close();
    }
  });

  it('authenticates the leaf link: the hub refuses a leaf without its site\'s login, and the files holding the logins are 0600', async () => {
    for (const f of [hub.configFile, leaf.configFile]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, `${f} holds the leaf login`);
    const secret = fs.readFileSync(path.join(fleet.dataDir, 'nats-leaves', 'paris.secret'), 'utf8').trim();
    assert.ok(fs.readFileSync(leaf.configFile, 'utf8').includes(`leaf-paris:${secret}@`), 'the leaf dials the hub as its site');
    fs.mkdirSync(path.join(data, 'rogue'));
    const rogue = await NatsServer.prepare(hub.bin, path.join(data, 'rogue'));
    // A leaf of the same site whose password is not the site's.
    const text = fs.readFileSync(leaf.configFile, 'utf8').replace(`leaf-paris:${secret}@`, 'leaf-paris:not-the-password@').replace(`port: ${leaf.port}`, `port: ${rogue.port}`).replace(leaf.storeDir, rogue.storeDir);
    fs.writeFileSync(rogue.configFile, text, { mode: 0o600 });
    await rogue.start();
    try {
      let refused = false;
      for (let i = 0; i < 50 && !refused; i++) {
        await sleep(200);
        refused = /Leafnode Error 'Authorization Violation'/.test(fs.readFileSync(rogue.logFile, 'utf8'));
      }
      assert.ok(refused, `the hub refused the rogue leaf\nrogue: ${rogue.log()}\nhub: ${hub.log()}`);
    } finally {
      await rogue.kill();
    }
    assert.match(fs.readFileSync(leaf.logFile, 'utf8'), /Leafnode connection created/i, 'the real leaf is connected');
  });

  it("removes a job of the leaf's stream that reached its maximum deliveries (the advisory comes from the leaf's domain)", async () => {
    await assertExhaustedJobRemoved(leaf.url, fleet.dataDir, 'coffer.jobs.paris.exhausted', 'leafexhausted', () => fleet.controller.log());
  });

  it('holds a job while the leaf is down and runs it once the leaf is back', async () => {
    await leaf.kill();
    await sleep(2000);
    const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'src', '--store', 'shared']);
    const id = lines(run.stdout).at(-1) ?? '';
    await sleep(3000);
    const held = await fleet.getJob(id);
    assert.ok(!FINAL.has(held?.state ?? ''), JSON.stringify(held));
    await leaf.start();
    const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 600, intervalMs: 200 }, 'the held backup ends');
    assert.equal(j.state, 'JOB_STATE_SUCCEEDED', `${JSON.stringify(j.history)}\n${fleet.logs()}`);
    // Sent while the leaf was down, it never reached the site's stream: that try is not an attempt.
    assert.equal(j.attempt, 1, JSON.stringify(j.history));
    assert.ok((j.history ?? []).some((h) => /not delivered to p1 .*attempt 1 is not counted/.test(h.message ?? '')), JSON.stringify(j.history));
  });
});
