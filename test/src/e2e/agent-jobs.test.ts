/**
 * End to end: the agent's job runner (agent/src/jobs) running real coffer child
 * processes on local stores, without a controller — backup, restore, verify and forget
 * jobs, their results and failures (wrong passphrase, damage, a held lock), cancellation,
 * the passphrase kept out of argv, files and logs, the agent's own passphrases, and the
 * outbox and running-job records across re-instantiation.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createLocalPassphrases,
  Outbox,
  recoverInterruptedJobs,
  RunningJobs,
  runJob,
  type JobOutcome,
  type RunJobOptions,
} from '@coffer/agent/jobs/index.js';
import { RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobKind, JobState, type JobSpec, type LogLine, type Progress } from '@coffer/shared/gen/coffer/v1/common.js';
import {
  assertExit,
  backupJson,
  cleanupTmpDirs,
  COFFER_BIN,
  cofferEnv,
  createStore,
  describeRun,
  jsonLines,
  pollUntil,
  REPO_ROOT,
  removeTree,
  runCoffer,
  snapshotIds,
  spawnCoffer,
  storeFiles,
  TEST_PASSPHRASE,
  tmpDir,
} from '../helpers/cli.js';
import { assertSameTree, sha256Tree, writeRandomFiles, writeTree } from '../helpers/tree.js';
import { fixture } from '../unit/fixtures.js';

type Spec = NonNullable<JobSpec['spec']>;

const KIND: Record<Spec['$case'], JobKind> = {
  backup: JobKind.JOB_KIND_BACKUP,
  restore: JobKind.JOB_KIND_RESTORE,
  verify: JobKind.JOB_KIND_VERIFY,
  forget: JobKind.JOB_KIND_FORGET,
  maintenance: JobKind.JOB_KIND_MAINTENANCE,
  create: JobKind.JOB_KIND_CREATE,
};

let jobCounter = 0;

/** A RunJob on the store `store` (named "main"), with the test passphrase unless `extra` says otherwise. */
function makeJob(store: string, spec: Spec, extra: Partial<Pick<RunJob, 'passphrase' | 'source' | 'destination'>> = {}): RunJob {
  return RunJob.fromPartial({
    jobId: `job-${++jobCounter}`,
    kind: KIND[spec.$case],
    spec: { spec },
    store: { name: 'main', location: store, options: {} },
    passphrase: TEST_PASSPHRASE,
    attempt: 1,
    ...extra,
  });
}

/** What one job did. */
interface Ran {
  readonly outcome: JobOutcome;
  readonly progress: Progress[];
  readonly logs: LogLine[];
  /** Arguments of every coffer process started (after bin/coffer.js). */
  readonly starts: { pid: number; args: readonly string[]; cmdline: string; environ: string; configFiles: string }[];
}

/** Every log line of every job of this file (checked for the passphrase at the end). */
const allLogs: LogLine[] = [];

/** Runs a job with the test environment (whose COFFER_PASSPHRASE runJob must not use). */
async function run(workDir: string, job: RunJob, opts: Partial<RunJobOptions> = {}): Promise<Ran> {
  const progress: Progress[] = [];
  const logs: LogLine[] = [];
  const starts: Ran['starts'][number][] = [];
  const outcome = await runJob(job, {
    workDir,
    cofferBin: COFFER_BIN,
    signal: new AbortController().signal,
    env: cofferEnv(),
    onProgress: (p) => progress.push(p),
    onLog: (l) => {
      logs.push(l);
      allLogs.push(l);
    },
    onStart: (pid, args) => {
      // Read while the process runs: its command line, environment and config files.
      const read = (f: string): string => {
        try {
          return fs.readFileSync(f, 'utf8');
        } catch {
          return '';
        }
      };
      const tmp = path.join(workDir, 'tmp');
      const configFiles = [...storeFiles(tmp, '')].map(([f]) => read(f)).join('\n');
      starts.push({ pid, args, cmdline: read(`/proc/${pid}/cmdline`), environ: read(`/proc/${pid}/environ`), configFiles });
    },
    ...opts,
  });
  return { outcome, progress, logs, starts };
}

function describeOutcome(r: Ran): string {
  return `${JobState[r.outcome.state]} ${JSON.stringify(r.outcome.result)}\n  log:\n    ${r.logs.map((l) => `${l.level} ${l.text}`).join('\n    ')}`;
}

function assertState(r: Ran, state: JobState): void {
  assert.equal(r.outcome.state, state, `expected ${JobState[state]}, got ${describeOutcome(r)}`);
}

/** Pack files of a store, largest first. */
function packs(store: string): string[] {
  return [...storeFiles(store, 'data')]
    .filter(([f]) => /[/\\][0-9a-f]{2}[/\\][0-9a-f]{64}$/.test(f))
    .sort((a, b) => b[1] - a[1])
    .map(([f]) => f);
}

describe('agent job runner', function () {
  let root: string;
  let workDir: string;
  let store: string;
  let src: string;

  before(function () {
    root = tmpDir();
    workDir = path.join(root, 'agent');
    store = path.join(root, 'store');
    src = path.join(root, 'src');
    writeTree(src, {
      'a.txt': 'alpha\n',
      'big.bin': Buffer.alloc(2_000_000, 5),
      sub: { type: 'dir', children: { 'b.txt': 'beta\n', link: { type: 'symlink', target: '../a.txt' } } },
    });
    createStore(store);
  });

  after(function () {
    for (const l of allLogs) assert.ok(!l.text.includes(TEST_PASSPHRASE), `a log line holds the passphrase: ${l.text}`);
    cleanupTmpDirs();
  });

  it('a backup job reports the snapshot as `coffer ls` lists it, with progress, and leaves its result in the outbox', async function () {
    const job = makeJob(store, { $case: 'backup', value: { source: 'docs', store: 'main', tags: ['daily', 'agent'], ignore: ['*.tmp'] } }, {
      source: { name: 'docs', location: src, options: {} },
    });
    const r = await run(workDir, job);
    assertState(r, JobState.JOB_STATE_SUCCEEDED);
    assert.equal(r.outcome.result.ok, true);
    assert.equal(r.outcome.result.exitCode, 0);
    const snap = r.outcome.result.snapshot;
    assert.ok(snap, `a snapshot summary\n${describeOutcome(r)}`);
    const ls = runCoffer(['at', store, 'ls', '--json']);
    assertExit(ls, 0, 'ls --json');
    const listed = jsonLines(ls).find((o) => o.id === snap.id);
    assert.ok(listed, `snapshot ${snap.id} is listed\n${describeRun(ls)}`);
    const summary = listed.summary as Record<string, number>;
    assert.equal(snap.store, 'main');
    assert.equal(snap.source, 'docs');
    assert.equal(snap.host, listed.host);
    assert.equal(snap.timeMs, Date.parse(listed.time as string));
    assert.deepEqual(snap.tags, listed.tags);
    assert.deepEqual(snap.paths, [(listed.source as { location: string }).location]);
    assert.equal(snap.files, summary.files);
    assert.equal(snap.bytes, summary.bytes);
    assert.equal(snap.addedBytes, summary.storedBytes);
    assert.ok(snap.addedBytes > 0);
    const s = JSON.parse(r.outcome.result.summaryJson) as Record<string, unknown>;
    assert.equal(s.snapshot_id, snap.id);
    assert.ok(r.progress.length >= 1, 'progress was reported');
    const last = r.progress[r.progress.length - 1];
    assert.equal(last?.phase, 'done');
    assert.equal(last?.bytes, snap.bytes);
    assert.ok(r.progress.every((p) => p.bytesPerSecond >= 0));

    const kept = await new Outbox(workDir).get(job.jobId);
    assert.equal(kept?.state, JobState.JOB_STATE_SUCCEEDED);
    assert.equal(kept?.result?.snapshot?.id, snap.id);
    assert.deepEqual(await new RunningJobs(workDir).list(), [], 'no job recorded as running afterwards');
    assert.deepEqual(fs.readdirSync(path.join(workDir, 'tmp')), [], 'the private config folder is removed');
  });

  it('a backup that could not record everything (exit 3) succeeds, with warnings and its snapshot', async () => {
    // A name that is not UTF-8 cannot be recorded in a store of format 1: an entry left out with a warning
    // (FIFOs, devices and sockets are recorded as what they are, so they no longer serve here).
    const partial = path.join(root, 'partial-src');
    writeTree(partial, { 'ok.txt': 'fine\n' });
    fs.writeFileSync(Buffer.concat([Buffer.from(path.join(partial, 'bad')), Buffer.from([0xff])]), 'x');
    const own = path.join(root, 'partial-store');
    fs.cpSync(fixture('store-v1'), own, { recursive: true });
    const job = makeJob(own, { $case: 'backup', value: { source: 'p', store: 'main', tags: [], ignore: [] } }, {
      source: { name: 'p', location: partial, options: {} },
      passphrase: 'fixture-passphrase',
    });
    const before = snapshotIds(own, { env: { COFFER_PASSPHRASE: 'fixture-passphrase' } });
    const r = await run(workDir, job);
    assertState(r, JobState.JOB_STATE_SUCCEEDED);
    assert.equal(r.outcome.result.ok, true);
    assert.equal(r.outcome.result.exitCode, 3);
    assert.equal(r.outcome.result.snapshot?.files, 1);
    assert.ok(r.logs.some((l) => l.level === 'warn' && l.text.includes('/bad')), `the entry is named in a warning\n${describeOutcome(r)}`);
    assert.ok(r.logs.some((l) => l.level === 'warn' && /could not be read.*\(1 entries could not be backed up\)/.test(l.text)), `the warning counts what was left out\n${describeOutcome(r)}`);
    assert.ok(r.logs.some((l) => l.level === 'info' && /^backup: snapshot [0-9a-f]{8}, 1 files/.test(l.text)), `the log keeps the summary line\n${describeOutcome(r)}`);
    const after = snapshotIds(own, { env: { COFFER_PASSPHRASE: 'fixture-passphrase' } });
    assert.deepEqual(after.filter((id) => !before.includes(id)), [r.outcome.result.snapshot?.id]);
  });

  it('a restore job restores the tree to the destination', async function () {
    const to = path.join(root, 'restored');
    const job = makeJob(store, { $case: 'restore', value: { store: 'main', snapshot: 'latest', path: '', destination: 'out', overwrite: '', paths: [] } }, {
      destination: { name: 'out', location: to, options: {} },
    });
    const r = await run(workDir, job);
    assertState(r, JobState.JOB_STATE_SUCCEEDED);
    assertSameTree(sha256Tree(src), sha256Tree(to), { root: false });
    const s = JSON.parse(r.outcome.result.summaryJson) as Record<string, unknown>;
    assert.equal(s.files, 3);

    const part = path.join(root, 'restored-sub');
    const sub = makeJob(store, { $case: 'restore', value: { store: 'main', snapshot: 'latest', path: '/sub', destination: 'out', overwrite: 'never', paths: [] } }, {
      destination: { name: 'out', location: part, options: {} },
    });
    assertState(await run(workDir, sub), JobState.JOB_STATE_SUCCEEDED);
    assert.deepEqual(fs.readdirSync(part).sort(), ['b.txt', 'link']);
  });

  it('the passphrase reaches the child only through its environment: not argv, not the config files, not the logs', async function () {
    const job = makeJob(store, { $case: 'verify', value: { store: 'main', readDataSubset: '', fast: true } });
    const r = await run(workDir, job);
    assertState(r, JobState.JOB_STATE_SUCCEEDED);
    assert.equal(r.starts.length, 1);
    const st = r.starts[0];
    assert.ok(st);
    assert.ok(st.cmdline.includes('check'), `the child's command line was read: ${st.cmdline}`);
    assert.ok(!st.cmdline.includes(TEST_PASSPHRASE), 'the passphrase is not in /proc/<pid>/cmdline');
    assert.ok(!st.args.join(' ').includes(TEST_PASSPHRASE), 'the passphrase is not in the arguments');
    assert.ok(st.configFiles.includes('"location"'), 'the job config was read while the child ran');
    assert.ok(!st.configFiles.includes(TEST_PASSPHRASE), 'the passphrase is not in the job config');
    assert.ok(st.environ.split('\0').includes(`COFFER_PASSPHRASE=${TEST_PASSPHRASE}`), 'the passphrase is in the environment');
    const outboxText = fs.readdirSync(path.join(workDir, 'outbox')).map((f) => fs.readFileSync(path.join(workDir, 'outbox', f), 'utf8')).join('');
    assert.ok(!outboxText.includes(TEST_PASSPHRASE), 'the passphrase is not in the outbox');
  });

  it('a wrong passphrase fails the job, not retryable, with the message; the environment passphrase is not used', async function () {
    const job = makeJob(store, { $case: 'verify', value: { store: 'main', readDataSubset: '', fast: true } }, { passphrase: 'not the passphrase' });
    const r = await run(workDir, job);
    assertState(r, JobState.JOB_STATE_FAILED);
    assert.equal(r.outcome.result.ok, false);
    assert.equal(r.outcome.result.retryable, false);
    assert.equal(r.outcome.result.exitCode, 12);
    assert.match(r.outcome.result.error, /wrong passphrase/);
    assert.ok(!r.outcome.result.error.includes('\n'), 'one line');
    assert.ok(r.logs.some((l) => l.level === 'error' && /wrong passphrase/.test(l.text)), describeOutcome(r));
  });

  it('uses the passphrase the agent keeps (passphrases.json, 0600) when the job carries none', async function () {
    const agentDir = path.join(root, 'agent-local');
    fs.mkdirSync(agentDir, { recursive: true });
    const file = path.join(agentDir, 'passphrases.json');
    const viaFile = path.join(root, 'pass.txt');
    fs.writeFileSync(viaFile, `${TEST_PASSPHRASE}\n`);
    fs.writeFileSync(file, JSON.stringify({ main: TEST_PASSPHRASE, other: { passphrase_file: viaFile }, third: { passphrase_cmd: 'echo from-a-command' } }), { mode: 0o600 });
    const local = createLocalPassphrases(agentDir);
    assert.deepEqual(local.names(), ['main', 'other', 'third']);
    assert.equal(await local.localPassphrase('other'), TEST_PASSPHRASE);
    assert.equal(await local.localPassphrase('third'), 'from-a-command');
    assert.equal(await local.localPassphrase('unknown'), undefined);

    const job = makeJob(store, { $case: 'verify', value: { store: 'main', readDataSubset: '', fast: true } }, { passphrase: '' });
    const r = await run(agentDir, job, { localPassphrase: (name) => local.localPassphrase(name) });
    assertState(r, JobState.JOB_STATE_SUCCEEDED);

    const none = await run(agentDir, makeJob(store, { $case: 'verify', value: { store: 'main', readDataSubset: '', fast: true } }, { passphrase: '' }));
    assertState(none, JobState.JOB_STATE_FAILED);
    assert.equal(none.outcome.result.exitCode, 12, describeOutcome(none));

    fs.chmodSync(file, 0o644);
    assert.throws(() => local.names(), /chmod 600/);
  });

  it('a verify job succeeds on a sound store, and fails (not retryable) once a pack file is damaged', async function () {
    const own = path.join(root, 'verify-store');
    createStore(own);
    backupJson(own, src);
    const verify = (): RunJob => makeJob(own, { $case: 'verify', value: { store: 'main', readDataSubset: '', fast: false } });
    const good = await run(workDir, verify());
    assertState(good, JobState.JOB_STATE_SUCCEEDED);
    assert.equal((JSON.parse(good.outcome.result.summaryJson) as { ok: boolean }).ok, true);

    const pack = packs(own)[0];
    assert.ok(pack, 'the store has a pack file');
    const b = fs.readFileSync(pack);
    for (let i = Math.floor(b.length / 2); i < Math.floor(b.length / 2) + 64 && i < b.length; i++) b[i] = (b[i] ?? 0) ^ 0xff;
    fs.chmodSync(pack, 0o600);
    fs.writeFileSync(pack, b);
    const bad = await run(workDir, verify());
    assertState(bad, JobState.JOB_STATE_FAILED);
    assert.equal(bad.outcome.result.retryable, false);
    assert.equal(bad.outcome.result.exitCode, 1);
    assert.match(bad.outcome.result.error, /check found \d+ errors/);
    assert.ok(bad.logs.some((l) => l.level === 'error' && l.text !== '' && !l.text.startsWith('coffer:')), `the check's findings are logged\n${describeOutcome(bad)}`);
    assert.equal((JSON.parse(bad.outcome.result.summaryJson) as { ok: boolean }).ok, false);
  });

  it('a forget job keeps what the policy says and runs maintenance after it', async function () {
    const own = path.join(root, 'forget-store');
    const tree = path.join(root, 'forget-src');
    createStore(own);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      writeTree(tree, { 'n.txt': `version ${i}\n` });
      ids.push(backupJson(own, tree).id);
    }
    const retention = { keepLast: 2, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, keepWithin: '', keepTags: [] };
    const job = makeJob(own, { $case: 'forget', value: { store: 'main', retention, source: 'files' } }, {
      source: { name: 'files', location: tree, options: {} },
    });
    const r = await run(workDir, job, { pruneGrace: '0' });
    assertState(r, JobState.JOB_STATE_SUCCEEDED);
    assert.deepEqual(new Set(snapshotIds(own)), new Set(ids.slice(2)), 'the two newest snapshots remain');
    const s = JSON.parse(r.outcome.result.summaryJson) as { forgotten: number; forgotten_ids: string[]; maintenance?: Record<string, unknown> };
    assert.equal(s.forgotten, 2);
    assert.deepEqual(new Set(s.forgotten_ids), new Set(ids.slice(0, 2)));
    assert.ok(s.maintenance, `the maintenance summary is included: ${r.outcome.result.summaryJson}`);
    assertExit(runCoffer(['at', own, 'check']), 0, 'check after the forget job');

    const other = makeJob(own, { $case: 'forget', value: { store: 'main', retention, source: 'elsewhere' } }, {
      source: { name: 'elsewhere', location: path.join(root, 'no-such-source'), options: {} },
    });
    const none = await run(workDir, other);
    assertState(none, JobState.JOB_STATE_SUCCEEDED);
    assert.equal((JSON.parse(none.outcome.result.summaryJson) as { forgotten: number }).forgotten, 0, 'another source\'s policy touches nothing');
    assert.equal(snapshotIds(own).length, 2);
  });

  it('a job meeting a lock held by another process fails retryable (exit 11)', async function () {
    const own = path.join(root, 'locked-store');
    createStore(own);
    backupJson(own, src);
    const holder = spawn(process.execPath, [path.join(REPO_ROOT, 'test', 'dist', 'helpers', 'hold-lock.js'), own], {
      env: { ...process.env, COFFER_PASSPHRASE: TEST_PASSPHRASE },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let said = '';
      holder.stdout.on('data', (b: Buffer) => (said += b.toString()));
      assert.ok(await pollUntil(() => said.includes('locked') || holder.exitCode !== null, 2400, 25), 'the helper took a lock');
      const retention = { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, keepWithin: '', keepTags: [] };
      const r = await run(workDir, makeJob(own, { $case: 'forget', value: { store: 'main', retention, source: '' } }));
      assertState(r, JobState.JOB_STATE_FAILED);
      assert.equal(r.outcome.result.exitCode, 11);
      assert.equal(r.outcome.result.retryable, true, describeOutcome(r));
      assert.match(r.outcome.result.error, new RegExp(`pid ${String(holder.pid)}`));
    } finally {
      holder.kill('SIGKILL');
    }
  });

  describe('with a large source', function () {
    let big: string;

    before(function () {
      this.timeout(300_000);
      big = tmpDir('coffer-e2e-agent-big-');
      // Many folders: the backup checks for an interruption between entries, and the
      // files of one folder go to the file workers at once.
      for (let d = 0; d < 64; d++) writeRandomFiles(path.join(big, 'src', `d${d}`), 4, 1024 * 1024);
    });

    after(function () {
      removeTree(big);
    });

    it('a cancelled backup ends CANCELLED quickly, by SIGINT, and the store still checks clean', async function () {
      this.timeout(300_000);
      const own = path.join(root, 'cancel-store');
      createStore(own);
      const ac = new AbortController();
      let abortedAt = 0;
      const job = makeJob(own, { $case: 'backup', value: { source: 'big', store: 'main', tags: [], ignore: [] } }, {
        source: { name: 'big', location: path.join(big, 'src'), options: {} },
      });
      const r = await run(workDir, job, {
        signal: ac.signal,
        graceMs: 60_000,
        onProgress: () => {
          if (abortedAt !== 0) return;
          abortedAt = -1;
          setTimeout(() => {
            abortedAt = Date.now();
            ac.abort();
          }, 500);
        },
      });
      const took = Date.now() - abortedAt;
      assert.ok(abortedAt > 0, `the backup was cancelled while it ran\n${describeOutcome(r)}`);
      assertState(r, JobState.JOB_STATE_CANCELLED);
      assert.equal(r.outcome.result.exitCode, 130, 'the CLI stopped on SIGINT, not killed');
      assert.ok(took < 15_000, `ended ${took} ms after the cancel`);
      assert.deepEqual(snapshotIds(own), [], 'no snapshot from a cancelled backup');
      assertExit(runCoffer(['at', own, 'check']), 0, 'check after a cancelled backup');
      assert.equal((await new Outbox(workDir).get(job.jobId))?.state, JobState.JOB_STATE_CANCELLED);
    });

    it('a job still recorded as running after an agent restart is stopped and reported failed, retryable', async function () {
      this.timeout(300_000);
      const own = path.join(root, 'recover-store');
      createStore(own);
      const agentDir = path.join(root, 'agent-restarted');
      const running = new RunningJobs(agentDir);
      const live = spawnCoffer(['at', own, 'backup', '--json', path.join(big, 'src')]);
      const dead = spawn(process.execPath, ['-e', '0']);
      await new Promise((resolve) => dead.once('exit', resolve));
      assert.ok(live.child.pid !== undefined && dead.pid !== undefined);
      await running.record({ jobId: 'live-job', pid: live.child.pid, startedMs: Date.now(), cofferBin: COFFER_BIN });
      await running.record({ jobId: 'dead-job', pid: dead.pid, startedMs: Date.now(), cofferBin: COFFER_BIN });
      await running.record({ jobId: 'reported-job', pid: dead.pid, startedMs: Date.now(), cofferBin: COFFER_BIN });
      await new Outbox(agentDir).put({ jobId: 'reported-job', state: JobState.JOB_STATE_SUCCEEDED, result: undefined });
      fs.mkdirSync(path.join(agentDir, 'tmp', 'job-left-behind'), { recursive: true });
      assert.ok(await pollUntil(() => live.stdoutSoFar().includes('"status"') || live.exited(), 400, 25), 'the backup started');
      await sleep(300);
      assert.ok(!live.exited(), 'the backup still runs');

      const added = await recoverInterruptedJobs(agentDir, { graceMs: 20_000 });
      assert.deepEqual(added.map((d) => d.jobId).sort(), ['dead-job', 'live-job']);
      for (const d of added) {
        assert.equal(d.state, JobState.JOB_STATE_FAILED);
        assert.equal(d.result?.retryable, true);
      }
      assert.match(added.find((d) => d.jobId === 'live-job')?.result?.error ?? '', /was stopped/);
      const ended = await live.done;
      assert.ok(ended.code === 130 || ended.signal !== null, `the leftover coffer process was stopped\n${describeRun(ended)}`);
      assert.deepEqual(await running.list(), []);
      assert.equal((await new Outbox(agentDir).get('reported-job'))?.state, JobState.JOB_STATE_SUCCEEDED, 'a result already reported is kept as is');
      assert.deepEqual(fs.readdirSync(path.join(agentDir)).includes('tmp'), false, 'leftover temporary folders are removed');
      assertExit(runCoffer(['at', own, 'check']), 0, 'check after the leftover backup was stopped');
    });
  });

  it('a process that ignores SIGINT is killed after the grace period; a job over its time limit fails', async function () {
    // A stand-in for bin/coffer.js that reports progress and never stops on SIGINT.
    const stub = path.join(root, 'stubborn.js');
    fs.writeFileSync(
      stub,
      "process.on('SIGINT', () => undefined);\n" +
        "console.log(JSON.stringify({ type: 'status', phase: 'backup', files: 1, bytes: 10, seconds_elapsed: 1 }));\n" +
        'setInterval(() => undefined, 1000);\n',
    );
    const verify = (): RunJob => makeJob(store, { $case: 'verify', value: { store: 'main', readDataSubset: '', fast: true } });
    const ac = new AbortController();
    const t0 = Date.now();
    const cancelled = await run(workDir, verify(), {
      cofferBin: stub,
      signal: ac.signal,
      graceMs: 300,
      onProgress: () => ac.abort(),
    });
    assertState(cancelled, JobState.JOB_STATE_CANCELLED);
    assert.equal(cancelled.outcome.result.exitCode, 137, 'killed by SIGKILL');
    assert.ok(Date.now() - t0 < 10_000, `ended ${Date.now() - t0} ms after it started`);

    const late = await run(workDir, verify(), { cofferBin: stub, timeoutMs: 500, graceMs: 300 });
    assertState(late, JobState.JOB_STATE_FAILED);
    assert.equal(late.outcome.result.retryable, false);
    assert.match(late.outcome.result.error, /time limit/);
    assert.deepEqual(await new RunningJobs(workDir).list(), []);
  });

  it('the outbox keeps results across re-instantiation until they are acknowledged', async function () {
    const dir = path.join(root, 'outbox-agent');
    const first = new Outbox(dir);
    await first.put({ jobId: 'a', state: JobState.JOB_STATE_SUCCEEDED, result: { ok: true, error: '', retryable: false, exitCode: 0, snapshot: undefined, summaryJson: '{}' } });
    await sleep(5);
    await first.put({ jobId: 'b/odd id', state: JobState.JOB_STATE_FAILED, result: { ok: false, error: 'boom', retryable: true, exitCode: 1, snapshot: undefined, summaryJson: '' } });
    fs.writeFileSync(path.join(dir, 'outbox', 'broken.json'), '{not json');
    const bad: string[] = [];
    const again = new Outbox(dir);
    const listed = await again.list((f) => bad.push(f));
    assert.deepEqual(listed.map((d) => d.jobId), ['a', 'b/odd id']);
    assert.equal(listed[1]?.result?.error, 'boom');
    assert.equal(listed[1]?.result?.retryable, true);
    assert.equal(bad.length, 1, 'the damaged file is reported');
    await again.ack('a');
    await again.ack('never-there');
    assert.deepEqual((await new Outbox(dir).list()).map((d) => d.jobId), ['b/odd id']);
    // Every job run above left its result in its agent's outbox.
    const results = await new Outbox(workDir).list();
    assert.ok(results.length >= 8, `results of the jobs above: ${results.length}`);
  });
});
