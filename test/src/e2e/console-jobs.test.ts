/**
 * The console's job calls against a real controller and agent, with a store on local
 * disk: an operator's StoreService.Restore from the console is a restore job on the
 * destination's agent, its progress streamed, its outcome naming the job, the files
 * landing byte for byte; RerunJob and ListJobs filters (also through `coffer ctl`);
 * editing the catalog and previewing a schedule (console and ctl); the dashboard (console
 * and `coffer ctl dashboard`); and a job whose SFTP
 * store cannot be reached shows each retry in its history while it still runs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupTmpDirs, describeRun, lines, runCoffer, tmpDir } from '../helpers/cli.js';
import { FINAL, Fleet, type FleetAgent } from '../helpers/fleet.js';
import { freePort } from '../helpers/sshd.js';
import { assertSameTree, sha256Tree, writeTree } from '../helpers/tree.js';
import { ConsoleClient } from './console-client.js';

const STORE_PW = 'console jobs test passphrase';

describe('the console: restores, jobs and catalog edits', function () {
  this.timeout(300_000);
  let fleet: Fleet;
  let agent: FleetAgent;
  let data: string;
  let snapshot = '';
  let backupJob = '';
  let operator: ConsoleClient;
  let admin: ConsoleClient;

  before(async () => {
    data = tmpDir('coffer-console-jobs-');
    const made = runCoffer(['at', path.join(data, 'store'), 'create'], { env: { COFFER_PASSPHRASE: STORE_PW } });
    assert.equal(made.code, 0, describeRun(made));
    writeTree(path.join(data, 'home'), { 'top.txt': 'not selected\n', docs: { type: 'dir', children: { 'a.txt': 'restored from the console\n', 'b.bin': Buffer.alloc(700_000, 5) } } });
    fleet = await Fleet.start({ COFFER_RETRY_BASE_MS: '1000' });
    agent = await fleet.enroll('web1', { labels: { site: 'test' } });
    await agent.start();
    await fleet.ctlOk(['store', 'add', 'main', path.join(data, 'store')], { COFFER_PASSPHRASE: STORE_PW });
    await fleet.ctlOk(['source', 'add', 'home', path.join(data, 'home'), '--agent', 'web1']);
    await fleet.ctlOk(['destination', 'add', 'out', path.join(data, 'out'), '--agent', 'web1']);
    for (const [name, role] of [
      ['otto', 'operator'],
      ['ada', 'admin'],
    ] as const) {
      fs.writeFileSync(path.join(data, `${name}.pw`), `${name} password 123\n`, { mode: 0o600 });
      await fleet.ctlOk(['user', 'add', name, '--role', role, '--password-file', path.join(data, `${name}.pw`)]);
    }
    const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', 'home', '--store', 'main', '--wait']);
    backupJob = lines(run.stdout).at(-1) ?? '';
    const job = await fleet.getJob(backupJob);
    snapshot = job?.result?.snapshot?.id ?? '';
    assert.ok(snapshot, JSON.stringify(job));
    const ca = fs.readFileSync(fleet.caFile, 'utf8');
    operator = new ConsoleClient(fleet.consoleUrl, ca);
    admin = new ConsoleClient(fleet.consoleUrl, ca);
    assert.equal((await operator.login('otto', 'otto password 123')).status, 200);
    assert.equal((await admin.login('ada', 'ada password 123')).status, 200);
  });

  after(async () => {
    await fleet?.stop();
    cleanupTmpDirs();
  });

  it("lets an operator restore a selection from the console: a restore job on the destination's agent, landing byte for byte", async () => {
    const r = await operator.stream('StoreService', 'Restore', { store: 'main', snapshot, paths: ['docs'], target: 'out' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    const result = r.messages.at(-1)?.result as { ok?: boolean; jobId?: string; files?: number; bytes?: number } | undefined;
    assert.ok(result?.ok, JSON.stringify(r.messages));
    assert.ok(r.messages.slice(0, -1).every((m) => m.progress !== undefined), 'progress before the outcome');
    assert.equal(result.files, 2);
    assertSameTree(sha256Tree(path.join(data, 'home', 'docs')), sha256Tree(path.join(data, 'out')));
    const job = await fleet.getJob(result.jobId ?? '');
    assert.equal(job?.kind, 'JOB_KIND_RESTORE');
    assert.equal(job?.agent, 'web1');
    assert.equal(job?.state, 'JOB_STATE_SUCCEEDED');
    assert.match(fleet.controller.log(), /"by":"otto".*"msg":"console restore queued"/);
  });

  it('runs a finished job again (RerunJob, coffer ctl job rerun) and filters the job list', async () => {
    const again = await operator.call('ControllerService', 'RerunJob', { id: backupJob });
    assert.equal(again.status, 200, JSON.stringify(again.json));
    const id = String(again.json?.id);
    assert.notEqual(id, backupJob);
    assert.deepEqual((again.json?.spec as { backup?: { source?: string } }).backup?.source, 'home');
    const done = await fleet.waitJob(id, (j) => FINAL.has(j.state ?? ''), { attempts: 600, intervalMs: 200 }, 'the re-run backup');
    assert.equal(done.state, 'JOB_STATE_SUCCEEDED');
    const ctl = await fleet.ctlOk(['job', 'rerun', backupJob, '--wait']);
    assert.match(lines(ctl.stdout).at(-1) ?? '', /^[0-9a-f]{16}$/);

    const list = async (filter: Record<string, unknown>): Promise<string[]> => {
      const a = await operator.call('ControllerService', 'ListJobs', filter);
      assert.equal(a.status, 200, JSON.stringify(a.json));
      return ((a.json?.jobs ?? []) as { kind: string }[]).map((j) => j.kind);
    };
    assert.deepEqual(await list({ kinds: ['JOB_KIND_RESTORE'] }), ['JOB_KIND_RESTORE']);
    assert.equal((await list({ kinds: ['JOB_KIND_BACKUP'], source: 'home', store: 'main', agent: 'web1' })).length, 3);
    assert.deepEqual(await list({ source: 'elsewhere' }), []);
    assert.deepEqual(await list({ sinceMs: Date.now() + 3_600_000 }), []);
    const ctlList = await fleet.ctlJson<{ kind: string }[]>(['job', 'list', '--kind', 'restore', '--since', '1h']);
    assert.deepEqual(ctlList.map((j) => j.kind), ['JOB_KIND_RESTORE']);
  });

  it('edits the catalog (the name stays, the passphrase held stays) and previews a schedule without saving it', async () => {
    const edit = await admin.call('ControllerService', 'UpdateDestination', { name: 'out', location: path.join(data, 'out2'), agent: 'web1' });
    assert.equal(edit.status, 200, JSON.stringify(edit.json));
    assert.equal(edit.json?.location, path.join(data, 'out2'));
    await fleet.ctlOk(['store', 'edit', 'main', path.join(data, 'store'), 'max_jobs=3']);
    const store = (await fleet.ctlJson<{ name: string; hasPassphrase?: boolean; options?: Record<string, string> }[]>(['store', 'list'])).find((s) => s.name === 'main');
    assert.deepEqual({ held: store?.hasPassphrase, options: store?.options }, { held: true, options: { max_jobs: '3' } });
    const verify = await fleet.ctlOk(['job', 'run', 'verify', '--store', 'main', '--wait']);
    assert.equal(verify.code, 0, 'the kept passphrase still opens the store');

    const preview = await admin.call('ControllerService', 'PreviewSchedule', { schedule: { kind: 'JOB_KIND_BACKUP', source: 'home', store: 'main', cron: '30 2 * * *', timezone: 'UTC' }, count: 3 });
    assert.equal(preview.status, 200, JSON.stringify(preview.json));
    const runs = (preview.json?.runsMs as number[]).map((t) => new Date(t).toISOString());
    assert.equal(runs.length, 3);
    for (const t of runs) assert.match(t, /T02:30:00\.000Z$/);
    const ctlPreview = await fleet.ctlOk(['schedule', 'preview', '--source', 'home', '--store', 'main', '--every', '6h']);
    assert.equal(lines(ctlPreview.stdout).length, 5);
    assert.deepEqual(await fleet.ctlJson<unknown[]>(['schedule', 'list']), [], 'a preview saves nothing');

    await fleet.ctlOk(['schedule', 'add', 'nightly', '--source', 'home', '--store', 'main', '--cron', '0 3 * * *']);
    const changed = await admin.call('ControllerService', 'UpdateSchedule', { schedule: { name: 'nightly', kind: 'JOB_KIND_BACKUP', source: 'home', store: 'main', cron: '0 4 * * *' } });
    assert.equal(changed.status, 200, JSON.stringify(changed.json));
    assert.equal(new Date(Number(changed.json?.nextRunMs)).toISOString().slice(11, 16), '04:00');
    const missing = await admin.call('ControllerService', 'UpdateSchedule', { schedule: { name: 'nope', kind: 'JOB_KIND_BACKUP', source: 'home', store: 'main', cron: '0 4 * * *' } });
    assert.equal(missing.status, 404);

    const dash = await operator.call('ControllerService', 'GetDashboard', {});
    assert.equal(dash.status, 200);
    const src = (dash.json?.sources as { source?: { name?: string }; lastSuccessMs?: number; schedules?: string[]; overdue?: boolean }[])[0];
    assert.equal(src?.source?.name, 'home');
    assert.ok(Number(src?.lastSuccessMs) > 0);
    assert.deepEqual(src?.schedules, ['nightly']);
    assert.equal(src?.overdue ?? false, false);
    const usage = (dash.json?.stores as { store?: string; snapshots?: number; lastVerifyMs?: number; lastVerifyOk?: boolean }[])[0];
    assert.equal(usage?.store, 'main');
    assert.equal(usage?.snapshots, 3);
    assert.ok(Number(usage?.lastVerifyMs) > 0 && usage?.lastVerifyOk === true, `the verify job is the store's last check: ${JSON.stringify(usage)}`);
    const text = (await fleet.ctlOk(['dashboard'])).stdout;
    assert.match(text, /^home\s+web1\s+\d{4}-\d\d-\d\d \S+\s+ok\s+\d{4}-/m);
    assert.match(text, /^main\s+3\s+.*ok \d{4}-/m);
    assert.match(text, /^agents: 1 online, 0 offline$/m);
  });

  it("shows each retry of an unreachable SFTP store in the job's history while it still runs", async () => {
    const port = await freePort(); // nothing listens there
    const key = path.join(data, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key, '-C', 'coffer-console-test']);
    await fleet.ctlOk(['store', 'add', 'gone', `sftp://backup@127.0.0.1:${port}/srv/store`, `identity=${key}`], { COFFER_PASSPHRASE: 'x' });
    const run = await fleet.ctlOk(['job', 'run', 'verify', '--store', 'gone', '--max-attempts', '1']);
    const id = lines(run.stdout).at(-1) ?? '';
    const seen = await fleet.waitJob(id, (j) => (j.history ?? []).some((h) => /retrying \(attempt 3 of 8\)/.test(h.message ?? '')) || FINAL.has(j.state ?? ''), { attempts: 300, intervalMs: 100 }, 'retries in the history');
    assert.equal(seen.state, 'JOB_STATE_RUNNING', `still running while it retries: ${JSON.stringify(seen.history)}`);
    const notes = (seen.history ?? []).filter((h) => /retrying/.test(h.message ?? ''));
    assert.ok(notes.length >= 2, JSON.stringify(seen.history));
    assert.match(notes[0]?.message ?? '', new RegExp(`^attempt 1: sftp://backup@127\\.0\\.0\\.1:${port}/srv/store: .*connection refused.*; retrying \\(attempt 2 of 8\\)$`));
    await fleet.ctlOk(['job', 'cancel', id]);
  });
});
