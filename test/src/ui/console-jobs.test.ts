/**
 * Jobs from the console in a real browser: a backup started from the jobs page opens its
 * job page, whose progress moves while it runs without the page being reloaded (pushed
 * over WatchJob); it is cancelled from the page (after a confirmation) and ends
 * cancelled; "Run again" makes a new job that succeeds; a restore of its snapshot, started
 * from the console's restore view to the catalog destination, lands on the destination
 * with the same bytes as the source. Screenshots: console-jobs, console-job.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { cleanupTmpDirs } from '../helpers/cli.js';
import { launchBrowser, requireChromium, screenshot, type TestBrowser, type TestPage } from '../helpers/browser.js';
import { FINAL } from '../helpers/fleet.js';
import { assertSameTree, sha256Tree, writeRandomFiles } from '../helpers/tree.js';
import { eventually, login, startConsole, type ConsoleFleet } from './console-fixture.js';

describe('console UI: jobs (live progress, cancel, run again) and a restore to a destination', function () {
  this.timeout(600_000);
  let c: ConsoleFleet;
  let browser: TestBrowser;
  let tp: TestPage;

  before(async function () {
    requireChromium(this);
    c = await startConsole({ source: (d) => writeRandomFiles(d, 16, 16 * 1024 * 1024) });
    browser = await launchBrowser();
    tp = await browser.newPage();
    await login(tp.page, c.base, 'operator');
  });

  after(async () => {
    await browser?.close();
    await c?.stop();
    cleanupTmpDirs();
  });

  /** The job id in the page's URL (/jobs/<id>). */
  const jobInUrl = (): string => decodeURIComponent(new URL(tp.page.url()).pathname.split('/')[2] ?? '');

  it('starts a backup whose progress moves on its page without a reload, then cancels it', async () => {
    const { page } = tp;
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`${c.base}/jobs`);
    const loadsBefore = loads;
    await page.getByText('Run a job now').click();
    const form = page.getByRole('form', { name: 'Run a job' });
    await form.getByLabel('Source').selectOption('home');
    await form.getByLabel('Store').selectOption('main');
    await form.getByRole('button', { name: 'Start' }).click();
    await page.waitForURL(/\/jobs\/[^/?]+$/, { timeout: 30_000 });
    const id = jobInUrl();
    const live = page.locator('p.live');
    const seen = new Set<string>();
    await eventually(async () => (await live.count()) > 0 ? await live.innerText() : '', (t) => (t !== '' && seen.add(t).size >= 2), 'the progress changes on the page', 200, 150);
    assert.equal(loads, loadsBefore, 'the page was not reloaded');
    await screenshot(page, 'console-job');
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('button', { name: 'Cancel the job' }).click();
    await eventually(() => page.locator('dl.facts').innerText(), (t) => /cancelled/.test(t), 'the job page shows cancelled', 200, 300);
    const j = await c.fleet.getJob(id);
    assert.equal(j?.state, 'JOB_STATE_CANCELLED', JSON.stringify(j));
    assert.equal(loads, loadsBefore, 'still no reload');
  });

  it('runs the cancelled job again as a new job that succeeds, and restores its snapshot to the destination', async () => {
    const { page } = tp;
    const first = jobInUrl();
    await page.getByRole('button', { name: 'Run again' }).click();
    await page.waitForURL((u) => /\/jobs\/[^/?]+$/.test(u.pathname) && !u.pathname.endsWith(`/${first}`), { timeout: 30_000 });
    const id = jobInUrl();
    const done = await c.fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 1500, intervalMs: 200 }, 'the rerun backup');
    assert.equal(done.state, 'JOB_STATE_SUCCEEDED', JSON.stringify(done));
    await eventually(() => page.locator('dl.facts').innerText(), (t) => /succeeded/.test(t), 'the job page shows succeeded', 100, 300);
    await page.goto(`${c.base}/jobs?state=cancelled`);
    await page.locator(`tr[data-job="${first}"]`).waitFor({ timeout: 30_000 });
    await screenshot(page, 'console-jobs');
    const snapshot = done.result?.snapshot?.id ?? '';
    assert.ok(snapshot, JSON.stringify(done.result));
    await page.goto(`${c.base}/stores/main/restore/${snapshot}`);
    await page.getByLabel('Destination').selectOption('out');
    await page.getByRole('button', { name: 'Restore' }).click();
    const out = path.join(c.data, 'out');
    const want = sha256Tree(path.join(c.data, 'home'));
    // The page shows the outcome when the restore job has finished (files land before the
    // folders' own metadata is set, so the tree is compared only then).
    await page.getByRole('heading', { name: 'Restored' }).waitFor({ timeout: 300_000 });
    try {
      assertSameTree(want, sha256Tree(out), {}, 'the tree restored from the console');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${c.fleet.logs(20000)}`);
    }
  });
});
