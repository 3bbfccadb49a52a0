/**
 * The console's pages in a real browser against a real controller and agent: the
 * dashboard shows a backed-up source with the age of its last backup and a scheduled
 * source that never got its backup marked overdue (in words); the agents page makes an
 * enrollment token and shows an enroll line that, pasted as is, enrolls a machine; a
 * store, a source and a schedule added through the forms (the next five runs shown before
 * saving; a bad location named beside its field). Every console page: no serious or
 * critical axe violation, a screenshot (docs/ui/console-<page>.png), and no sideways
 * scrolling on a phone-sized viewport.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { cleanupTmpDirs, describeRun, runCoffer, spawnCoffer } from '../helpers/cli.js';
import { PHONE, assertAccessible, hasHorizontalOverflow, launchBrowser, requireChromium, screenshot, waitNotBusy, type TestBrowser, type TestPage } from '../helpers/browser.js';
import { STORE_PW, backup, eventually, login, startConsole, type ConsoleFleet } from './console-fixture.js';

describe('console UI: dashboard, agents, catalog forms, every page', function () {
  this.timeout(400_000);
  let c: ConsoleFleet;
  let browser: TestBrowser;
  let tp: TestPage;
  let jobId = '';

  before(async function () {
    requireChromium(this);
    c = await startConsole();
    jobId = (await backup(c.fleet)).id;
    // A source whose agent never runs: its every-minute schedule comes due and is missed.
    await c.fleet.enroll('sleeper');
    await c.fleet.ctlOk(['source', 'add', 'stale', path.join(c.data, 'home'), '--agent', 'sleeper']);
    await c.fleet.ctlOk(['schedule', 'add', 'stale-minutely', '--source', 'stale', '--store', 'main', '--every', '60s']);
    browser = await launchBrowser();
    tp = await browser.newPage();
    await login(tp.page, c.base, 'admin');
  });

  after(async () => {
    await browser?.close();
    await c?.stop();
    cleanupTmpDirs();
  });

  it('shows each source with the age of its last backup, and marks the overdue one in words', async () => {
    const { page } = tp;
    await page.goto(`${c.base}/`);
    const home = page.locator('tr[data-source="home"]');
    await home.waitFor({ timeout: 30_000 });
    assert.match(await home.innerText(), /\d+ (s|min) ago/);
    assert.doesNotMatch(await home.innerText(), /overdue/);
    // The page refreshes itself: no reload while the stale source's first run is missed.
    const stale = page.locator('tr[data-source="stale"]');
    await eventually(() => stale.innerText(), (t) => /overdue/.test(t), 'the stale source is marked overdue', 80, 3000);
    assert.match(await page.locator('section', { hasText: 'Agents:' }).innerText(), /1 online, 1 offline/);
    await screenshot(page, 'console-dashboard');
  });

  it('makes an enrollment token and shows an enroll line that enrolls a machine when pasted', async () => {
    const { page } = tp;
    await page.getByRole('link', { name: 'Agents' }).first().click();
    await page.getByRole('button', { name: 'Create enrollment token' }).click();
    await page.getByLabel('Agent name').fill('pasted');
    await page.getByLabel('Data folder').fill(path.join(c.fleet.root, 'agent-pasted'));
    // The agents' port is the controller's --listen (from /session), not the console's port.
    assert.equal(await page.getByLabel(/Controller address/).inputValue(), c.fleet.address);
    const line = await page.getByTestId('enroll-line').innerText();
    assert.match(line, /^coffer agent enroll --controller \S+ --token cft1\.\S+ --name pasted --data \S+$/);
    await screenshot(page, 'console-agents');
    const r = await spawnCoffer(line.split(' ').slice(1)).done;
    assert.equal(r.code, 0, `the pasted line enrolls: ${describeRun(r)}`);
    await page.reload();
    await page.locator('tr[data-agent="pasted"]').waitFor({ timeout: 30_000 });
  });

  it('adds a store and a source through the forms, naming a bad location beside its field', async () => {
    const { page } = tp;
    const made = runCoffer(['at', path.join(c.data, 'second'), 'create'], { env: { COFFER_PASSPHRASE: STORE_PW } });
    assert.equal(made.code, 0, describeRun(made));
    await page.goto(`${c.base}/catalog/stores`);
    await page.getByRole('button', { name: 'Add a store' }).click();
    await page.getByLabel('Name').fill('second');
    await page.getByLabel('Location').fill('not a location');
    await page.getByLabel('Passphrase', { exact: true }).fill(STORE_PW);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const fieldError = page.locator('.field', { has: page.getByLabel('Location') }).locator('.field-error');
    assert.match(await fieldError.innerText({ timeout: 30_000 }), /not a location/);
    await page.getByLabel('Location').fill(path.join(c.data, 'second'));
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('tr[data-name="second"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'console-stores');
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByRole('button', { name: 'Add a source' }).click();
    await page.getByLabel('Name').fill('docs');
    await page.getByLabel('Location').fill(path.join(c.data, 'home', 'docs'));
    await page.getByLabel('Agent').selectOption('web1');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('tr[data-name="docs"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'console-sources');
    const listed = await c.fleet.ctlJson<{ name: string }[]>(['source', 'list']);
    assert.ok(listed.some((s) => s.name === 'docs'), JSON.stringify(listed));
  });

  it('shows the next five runs of a schedule while it is edited, before saving it', async () => {
    const { page } = tp;
    await page.goto(`${c.base}/catalog/schedules`);
    await page.getByRole('button', { name: 'Add a schedule' }).click();
    await page.getByLabel('Name').fill('docs-nightly');
    await page.getByLabel('Source').selectOption('docs');
    await page.getByLabel('Store').selectOption('second');
    await page.getByLabel('Cron expression').fill('30 2 * * *');
    await page.getByLabel('Time zone').fill('UTC');
    const runs = page.locator('ol.next-runs li');
    await eventually(() => runs.allInnerTexts(), (t) => t.length === 5 && t.every((x) => /:30 /.test(x)), 'five runs listed', 50, 300);
    const before = await c.fleet.ctlJson<{ name: string }[]>(['schedule', 'list']);
    assert.ok(!before.some((s) => s.name === 'docs-nightly'), 'nothing is saved while editing');
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await eventually(() => page.locator('.preview').innerText(), (t) => /cron/.test(t) && !/\d{4}-\d{2}-\d{2}/.test(t), 'the preview names the bad cron', 50, 300);
    await page.getByLabel('Cron expression').fill('30 2 * * *');
    await runs.nth(4).waitFor({ timeout: 30_000 });
    await screenshot(page, 'console-schedules');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('tr[data-name="docs-nightly"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Pause schedule docs-nightly' }).click();
    await eventually(() => page.locator('tr[data-name="docs-nightly"]').innerText(), (t) => /paused/.test(t), 'the schedule shows paused');
  });

  it('has no serious or critical axe violation on any console page, at desktop and phone size', async () => {
    const pages = ['/', '/agents', '/catalog/stores', '/catalog/sources', '/catalog/destinations', '/catalog/schedules', '/jobs', `/jobs/${jobId}`, '/users'];
    const phone = await browser.newPage({ viewport: PHONE });
    await login(phone.page, c.base, 'admin');
    for (const p of pages) {
      for (const t of [tp, phone]) {
        await t.page.goto(`${c.base}${p}`);
        await t.page.locator('h1').first().waitFor();
        await waitNotBusy(t.page);
        await assertAccessible(t.page, `${p} at ${t === tp ? 'desktop' : 'phone'} size`);
      }
      assert.equal(await hasHorizontalOverflow(phone.page), false, `${p} scrolls sideways on a phone`);
    }
    await tp.page.goto(`${c.base}/catalog/destinations`);
    await screenshot(tp.page, 'console-destinations');
    await tp.page.goto(`${c.base}/users`);
    await screenshot(tp.page, 'console-users');
    await phone.page.goto(`${c.base}/`);
    await screenshot(phone.page, 'console-dashboard-phone');
    assert.deepEqual([...tp.errors, ...phone.errors], []);
  });
});
