/**
 * Agents and the controller reach NATS over TLS (issue 12): `controller nats-config --tls`
 * gives the nats-server a certificate from the controller's CA; the controller (`--nats
 * tls://…`) and an agent enrolled with `--nats tls://…` verify it and a backup runs. An
 * agent dialling a server whose certificate is not from the CA is refused, with one line
 * saying why and what to do, and no job reaches it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupTmpDirs, createStore, describeRun, lines, runCoffer, tmpDir } from '../helpers/cli.js';
import { Fleet, type FleetAgent } from '../helpers/fleet.js';
import { NatsServer, requireNatsServer } from '../helpers/nats-server.js';
import { writeRandomFiles } from '../helpers/tree.js';

const PW = 'nats over tls passphrase';

describe('the fleet over NATS with TLS', function () {
  this.timeout(300_000);
  let fleet: Fleet;
  let nats: NatsServer;
  let rogue: NatsServer;
  let agent: FleetAgent;
  let data: string;

  before(async function () {
    const bin = requireNatsServer(this);
    data = tmpDir('coffer-nats-tls-');
    writeRandomFiles(path.join(data, 'src'), 3, 256 * 1024);
    createStore(path.join(data, 'store'), [], { env: { COFFER_PASSPHRASE: PW } });
    for (const d of ['hub', 'rogue']) fs.mkdirSync(path.join(data, d));
    nats = await NatsServer.prepare(bin, path.join(data, 'hub'));
    rogue = await NatsServer.prepare(bin, path.join(data, 'rogue'));
    const url = `tls://127.0.0.1:${nats.port}`;
    fleet = await Fleet.start({ COFFER_RETRY_BASE_MS: '1000' }, ['--nats', url]);
    agent = await fleet.enroll('t1', { labels: { site: 'paris' }, args: ['--transport', 'nats', '--nats', url] });
    const c = runCoffer(['controller', 'nats-config', '--data', fleet.dataDir, '--out', nats.configFile, '--listen', `127.0.0.1:${nats.port}`, '--store-dir', nats.storeDir, '--tls']);
    assert.equal(c.code, 0, describeRun(c));
    assert.match(c.stdout, /TLS with a certificate from the controller's CA\); start the controller with --nats tls:\/\//);
    assert.equal(fs.statSync(`${nats.configFile}.server.key`).mode & 0o777, 0o600);
    await nats.start();
    await agent.start();
    await fleet.ctlOk(['store', 'add', 'shared', path.join(data, 'store')], { COFFER_PASSPHRASE: PW });
    await fleet.ctlOk(['source', 'add', 'src', path.join(data, 'src'), '--agent', 't1']);
  });

  after(async () => {
    await fleet?.stop();
    await nats?.kill();
    await rogue?.kill();
    cleanupTmpDirs();
  });

  it('runs a backup with the controller and the agent on TLS connections', async () => {
    const b = await fleet.ctl(['job', 'run', 'backup', '--source', 'src', '--store', 'shared', '--wait']);
    assert.equal(b.code, 0, `${describeRun(b)}\n${fleet.logs()}\n${nats.log()}`);
    const agents = JSON.parse((await fleet.ctlOk(['agents', '--json'])).stdout) as { name: string; transport?: string }[];
    assert.equal(agents.find((a) => a.name === 't1')?.transport, 'nats');
  });

  it("refuses a server whose certificate is not from the controller's CA, in one line that says what to do", async () => {
    const cert = path.join(data, 'rogue', 'self.pem');
    const key = path.join(data, 'rogue', 'self.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    fs.writeFileSync(rogue.configFile, `host: "127.0.0.1"\nport: ${rogue.port}\ntls {\n  cert_file: ${JSON.stringify(cert)}\n  key_file: ${JSON.stringify(key)}\n}\n`);
    await rogue.start();
    const other = await fleet.enroll('t2', { labels: { site: 'paris' }, args: ['--transport', 'nats', '--nats', `tls://127.0.0.1:${rogue.port}`] });
    other.proc.spawn();
    const said = (): string[] => lines(other.log()).filter((l) => l.includes('is not trusted'));
    for (let i = 0; i < 100 && said().length === 0; i++) await sleep(100);
    assert.ok(said().length > 0, other.log());
    assert.match(said()[0] ?? '', /the NATS server at tls:\/\/127\.0\.0\.1:\d+ is not trusted \((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\): its certificate must come from the controller's CA.*nats-config --tls/);
    assert.equal(lines(other.log()).filter((l) => l.includes('connected to the controller')).length, 0, 'never connected');
    await other.stop();
  });
});
