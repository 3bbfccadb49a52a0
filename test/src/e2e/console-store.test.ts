/**
 * Reading stores through the console against real controller and agent processes and
 * stores on local disk: the controller never opens a store. A ListTree is forwarded to
 * the agent that reaches the store (its reach selector), for a store whose passphrase
 * only that agent holds too, and the controller process has no file of the store open;
 * the second listing is served by the store the agent kept open (its index loaded once,
 * by the agent's own count); a download is the file byte for byte (operator) and refused
 * to a viewer; a check from the console is forwarded and recorded as the store's last
 * check; StoreService answers gRPC clients with the admin token too; a store no connected
 * agent can reach is UNAVAILABLE, naming it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { StoreServiceClient, type ListTreeResponse } from '@coffer/shared/gen/coffer/v1/store.js';
import { channelCredentials } from '@coffer/shared/pki/index.js';
import { cleanupTmpDirs, describeRun, lines, runCoffer, tmpDir } from '../helpers/cli.js';
import { Fleet, type FleetAgent } from '../helpers/fleet.js';
import { writeTree } from '../helpers/tree.js';
import { ConsoleClient } from './console-client.js';

const SHARED_PW = 'console store test: the controller holds this one';
const AGENT_PW = 'console store test: only the agent knows this one';

/** Files the process `pid` has open under `dir`. */
function openFilesUnder(pid: number, dir: string): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** The agent's `store call` log lines (one per call it answered, with its cache's counts). */
function storeCallLines(agent: FleetAgent): { indexLoads?: number; opens?: number; method?: string }[] {
  return lines(agent.log())
    .filter((l) => l.includes('"msg":"store call"'))
    .map((l) => JSON.parse(l) as { indexLoads?: number; opens?: number; method?: string });
}

/** The agent's count of full index loads once it has logged its `n`-th store call (polled, at most 10 s). */
async function indexLoadsAfter(agent: FleetAgent, n: number): Promise<number> {
  for (let i = 0; i < 100 && storeCallLines(agent).length < n; i++) await sleep(100);
  const all = storeCallLines(agent);
  assert.ok(all.length >= n, `the agent logged ${all.length} store calls, not ${n}\n${agent.log().slice(-3000)}`);
  return Number(all[n - 1]?.indexLoads);
}

describe('the console: stores read through agents', function () {
  this.timeout(300_000);
  let fleet: Fleet;
  let agent: FleetAgent;
  let data: string;
  const snaps: Record<string, string> = {};
  let viewer: ConsoleClient;
  let operator: ConsoleClient;

  before(async () => {
    data = tmpDir('coffer-console-store-');
    for (const [store, pw] of [
      ['shared', SHARED_PW],
      ['private', AGENT_PW],
    ] as const) {
      const r = runCoffer(['at', path.join(data, store), 'create'], { env: { COFFER_PASSPHRASE: pw } });
      assert.equal(r.code, 0, describeRun(r));
    }
    writeTree(path.join(data, 'home'), { 'hello.txt': 'read through an agent\n', docs: { type: 'dir', children: { 'big.bin': Buffer.alloc(3_000_000, 3), 'note.txt': 'a note\n' } } });
    fleet = await Fleet.start();
    agent = await fleet.enroll('web1', { labels: { site: 'test' } });
    fs.writeFileSync(path.join(agent.dataDir, 'passphrases.json'), JSON.stringify({ private: AGENT_PW }), { mode: 0o600 });
    await agent.start();
    await fleet.ctlOk(['store', 'add', 'shared', path.join(data, 'shared'), 'reach=site=test'], { COFFER_PASSPHRASE: SHARED_PW });
    await fleet.ctlOk(['store', 'add', 'private', path.join(data, 'private'), '--passphrase-on-agent']);
    await fleet.ctlOk(['store', 'add', 'far', path.join(data, 'far'), 'reach=site=nowhere'], { COFFER_PASSPHRASE: SHARED_PW });
    await fleet.ctlOk(['source', 'add', 'home', path.join(data, 'home'), '--agent', 'web1']);
    for (const store of ['shared', 'private']) {
      const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'home', '--store', store, '--wait']);
      snaps[store] = (await fleet.getJob(lines(run.stdout).at(-1) ?? ''))?.result?.snapshot?.id ?? '';
      assert.ok(snaps[store], `the backup into ${store}`);
    }
    const ca = fs.readFileSync(fleet.caFile, 'utf8');
    viewer = new ConsoleClient(fleet.consoleUrl, ca);
    operator = new ConsoleClient(fleet.consoleUrl, ca);
    for (const [name, role] of [
      ['vera', 'viewer'],
      ['otto', 'operator'],
    ] as const) {
      fs.writeFileSync(path.join(data, `${name}.pw`), `${name} password 456\n`, { mode: 0o600 });
      await fleet.ctlOk(['user', 'add', name, '--role', role, '--password-file', path.join(data, `${name}.pw`)]);
    }
    assert.equal((await viewer.login('vera', 'vera password 456')).status, 200);
    assert.equal((await operator.login('otto', 'otto password 456')).status, 200);
  });

  after(async () => {
    await fleet?.stop();
    cleanupTmpDirs();
  });

  it("lists a folder of a store whose passphrase only the agent holds, through the agent; the controller opens no file of the store", async () => {
    const r = await viewer.call('StoreService', 'ListTree', { store: 'private', snapshot: snaps.private, path: '' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const names = ((r.json?.entries ?? []) as { name: string; type: string }[]).map((e) => `${e.type}:${e.name}`);
    assert.deepEqual(names, ['dir:docs', 'file:hello.txt']);
    const pid = fleet.controller.pid;
    assert.ok(pid);
    assert.deepEqual(openFilesUnder(pid, path.join(data, 'private')), []);
    assert.deepEqual(openFilesUnder(pid, path.join(data, 'shared')), []);
    assert.ok(!fs.readFileSync(path.join(fleet.dataDir, 'catalog.db')).includes(Buffer.from(AGENT_PW)), 'the controller never held it');
    assert.doesNotMatch(fleet.controller.log(), new RegExp(SHARED_PW), 'no passphrase in the log');
  });

  it('serves the second listing from the store the agent kept open (one index load)', async () => {
    const calls = storeCallLines(agent).length;
    const first = await viewer.call('StoreService', 'ListTree', { store: 'shared', snapshot: snaps.shared, path: 'docs' });
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const loads = await indexLoadsAfter(agent, calls + 1);
    const second = await viewer.call('StoreService', 'ListTree', { store: 'shared', snapshot: snaps.shared, path: 'docs', sort: 'size', descending: true });
    assert.equal(second.status, 200, JSON.stringify(second.json));
    assert.deepEqual(((second.json?.entries ?? []) as { name: string }[]).map((e) => e.name), ['big.bin', 'note.txt']);
    assert.equal(await indexLoadsAfter(agent, calls + 2), loads, 'no second index load');
  });

  it('downloads a file byte for byte for an operator and refuses a viewer', async () => {
    const q = `/download/file?store=shared&snapshot=${snaps.shared}&path=docs/big.bin`;
    const got = await operator.request('GET', q);
    assert.equal(got.status, 200, got.body.toString().slice(0, 300));
    assert.ok(got.body.equals(fs.readFileSync(path.join(data, 'home', 'docs', 'big.bin'))), 'the same bytes');
    assert.equal((await viewer.request('GET', q)).status, 403);
  });

  it("forwards a check from the console and shows its outcome as the store's last check", async () => {
    const before = Date.now();
    const r = await operator.stream('StoreService', 'Check', { store: 'shared', mode: 'full' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    const outcome = r.messages.at(-1)?.result as { ok?: boolean } | undefined;
    assert.equal(outcome?.ok, true, JSON.stringify(r.messages.at(-1)));
    const info = await viewer.call('StoreService', 'GetStoreInfo', { store: 'shared' });
    assert.equal(info.status, 200, JSON.stringify(info.json));
    const last = info.json?.lastCheck as { ok?: boolean; timeMs?: number; mode?: string } | undefined;
    assert.ok(last?.ok && Number(last.timeMs) >= before - 1000, JSON.stringify(last));
    const snapsList = await viewer.call('StoreService', 'ListStoreSnapshots', { store: 'shared' });
    const s = ((snapsList.json?.snapshots ?? []) as { id: string; lastCheck?: { ok?: boolean } }[]).find((x) => x.id === snaps.shared);
    assert.equal(s?.lastCheck?.ok, true, JSON.stringify(s));
    const dash = await viewer.call('ControllerService', 'GetDashboard', {});
    const usage = ((dash.json?.stores ?? []) as { store: string; lastVerifyMs?: number; lastVerifyOk?: boolean }[]).find((u) => u.store === 'shared');
    assert.ok(usage?.lastVerifyOk && Number(usage.lastVerifyMs) >= before - 1000, JSON.stringify(usage));
  });

  it('answers StoreService on the gRPC port with the admin token, and UNAVAILABLE for a store no connected agent can reach', async () => {
    const client = new StoreServiceClient(fleet.address, channelCredentials(fs.readFileSync(fleet.caFile, 'utf8')));
    const md = new Metadata();
    md.set('authorization', `Bearer ${fleet.adminToken}`);
    const call = (store: string): Promise<{ err: ServiceError | null; res: ListTreeResponse | undefined }> =>
      new Promise((resolve) => client.listTree({ store, snapshot: snaps.shared ?? '', path: '', sort: '', descending: false, offset: 0, limit: 0, filter: '' }, md, { deadline: Date.now() + 60_000 }, (err, res) => resolve({ err, res })));
    try {
      const ok = await call('shared');
      assert.equal(ok.err, null, ok.err?.message);
      assert.deepEqual(ok.res?.entries.map((e) => e.name), ['docs', 'hello.txt']);
      const far = await call('far');
      assert.equal(far.err?.code, 14);
      assert.match(far.err?.details ?? '', /no connected agent can reach store far \(reach=site=nowhere\)/);
    } finally {
      client.close();
    }
    const viaConsole = await viewer.call('StoreService', 'ListTree', { store: 'far', snapshot: 'x' });
    assert.equal(viaConsole.status, 503);
  });
});
