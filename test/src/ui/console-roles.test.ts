/**
 * Roles in the console, in a real browser: a viewer sees the fleet but no button that
 * would change it (no add, edit, remove, revoke, enroll, run, cancel, user admin) and no
 * download, restore or verify in the store views; the API refuses the viewer a restore,
 * a download and a catalog change even when asked directly with a valid session and
 * CSRF token (403). An operator may run jobs but sees no catalog changes.
 */
import assert from 'node:assert/strict';
import { cleanupTmpDirs } from '../helpers/cli.js';
import { launchBrowser, requireChromium, screenshot, waitNotBusy, type TestBrowser } from '../helpers/browser.js';
import { backup, login, startConsole, type ConsoleFleet } from './console-fixture.js';

describe('console UI: what each role sees and may do', function () {
  this.timeout(300_000);
  let c: ConsoleFleet;
  let browser: TestBrowser;
  let snapshot = '';

  before(async function () {
    requireChromium(this);
    c = await startConsole();
    snapshot = (await backup(c.fleet)).result?.snapshot?.id ?? '';
    assert.ok(snapshot);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await c?.stop();
    cleanupTmpDirs();
  });

  it('shows a viewer no button that changes anything, downloads or restores', async () => {
    const { page } = await browser.newPage();
    await login(page, c.base, 'viewer');
    const forbidden = /^(Add a |Edit|Remove|Revoke|Create enrollment token|Pause|Resume|Cancel job|Run again|Download|Restore|Verify|Check|Start)/;
    const pages = ['/', '/agents', '/catalog/stores', '/catalog/sources', '/catalog/destinations', '/catalog/schedules', '/jobs', '/stores/main/snapshots', `/stores/main/snapshots/${snapshot}/tree/`, `/stores/main/snapshots/${snapshot}/file/hello.txt`];
    for (const p of pages) {
      await page.goto(`${c.base}${p}`);
      await page.locator('h1').first().waitFor({ timeout: 30_000 });
      await waitNotBusy(page);
      const buttons = [...(await page.getByRole('button').allInnerTexts()), ...(await page.getByRole('link').allInnerTexts())].map((t) => t.trim());
      assert.deepEqual(buttons.filter((t) => forbidden.test(t)), [], `buttons a viewer may not use on ${p}`);
      assert.equal(await page.locator('a[href*="/download/"], a[href*="/restore/"]').count(), 0, `download or restore links on ${p}`);
    }
    assert.ok(!(await page.getByRole('link', { name: 'Users' }).count()), 'no Users entry for a viewer');
    await page.goto(`${c.base}/catalog/stores`);
    await screenshot(page, 'console-viewer');
  });

  it('refuses a viewer a restore, a download and a catalog change through the API itself', async () => {
    const { page } = await browser.newPage();
    await login(page, c.base, 'viewer');
    const answers = await page.evaluate(async ([snap]) => {
      const s = (await (await fetch('/session')).json()) as { csrfToken: string };
      const post = async (method: string, body: unknown): Promise<number> =>
        (await fetch(`/coffer.v1.ControllerService/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken }, body: JSON.stringify(body) })).status;
      return {
        restore: await post('RunJob', { spec: { restore: { store: 'main', snapshot: snap, destination: 'out' } } }),
        addStore: await post('AddStore', { name: 'x', location: '/tmp/x' }),
        download: (await fetch(`/download/file?store=main&snapshot=${snap}&path=hello.txt`)).status,
        look: await post('ListJobs', {}),
      };
    }, [snapshot] as const);
    assert.deepEqual(answers, { restore: 403, addStore: 403, download: 403, look: 200 });
    const jobs = await c.fleet.ctlJson<{ kind?: string }[]>(['job', 'list']);
    assert.ok(!jobs.some((j) => j.kind === 'JOB_KIND_RESTORE'), 'no restore job was made');
  });

  it('lets an operator run jobs but shows no catalog changes', async () => {
    const { page } = await browser.newPage();
    await login(page, c.base, 'operator');
    await page.goto(`${c.base}/catalog/stores`);
    await page.locator('tr[data-name="main"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('button', { name: /^(Add a store|Edit|Remove)/ }).count(), 0);
    await page.goto(`${c.base}/jobs`);
    await page.locator('h1').first().waitFor({ timeout: 30_000 });
    await waitNotBusy(page);
    await page.getByText('Run a job now').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByText('Run a job now').count(), 1);
  });
});
