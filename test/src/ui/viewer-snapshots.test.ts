/**
 * The local viewer's snapshots page in a real browser, against a real `coffer at S ui`:
 * it lists the store's snapshots with their summaries, filters by tag through the URL
 * (kept on reload), shows the store totals and a chart per source, is usable by keyboard
 * (skip link, Tab to a snapshot, Enter opens it), and shows nothing of the store to a
 * browser that never opened the printed URL (the API refuses it too).
 */
import assert from 'node:assert/strict';
import { makeFixtureStore, signedInPage, viewerSuite } from '../helpers/viewer.js';

describe('ui: local viewer, snapshots', function () {
  this.timeout(180_000);
  const S = viewerSuite(makeFixtureStore);
  const short = (i: 0 | 1): string => S.fx.ids[i].slice(0, 8);


  it('opening the printed URL lists the store\'s snapshots with their summaries', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.waitForURL(/\/stores\/local\/snapshots/);
    const table = page.locator('#snapshot-list');
    await table.getByRole('link', { name: short(1) }).waitFor();
    await table.getByRole('link', { name: short(0) }).waitFor();
    assert.equal(await table.locator('tbody tr').count(), 2);
    const row = table.locator('tbody tr', { has: page.getByRole('link', { name: short(0) }) });
    assert.match(await row.innerText(), /first/);
    assert.doesNotMatch(await page.title(), /Not found/);
  });

  it('filters by tag; the filter is in the URL and survives a reload', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(`${S.viewer.origin}/stores/local/snapshots`);
    await page.locator('#snapshot-list').getByRole('link', { name: short(1) }).waitFor();
    await page.getByLabel('Tag').selectOption('first');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/tag=first/);
    const table = page.locator('#snapshot-list');
    await page.getByText('1 snapshot(s) match').waitFor();
    assert.equal(await table.getByRole('link', { name: short(1) }).count(), 0, 'the second snapshot is filtered out');
    await table.getByRole('link', { name: short(0) }).waitFor();
    await page.reload();
    await page.getByText('1 snapshot(s) match').waitFor();
    await table.getByRole('link', { name: short(0) }).waitFor();
    assert.equal(await table.getByRole('link', { name: short(1) }).count(), 0);
  });

  it('shows the store totals, its last check and a chart per source', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    const totals = page.getByRole('region', { name: 'Store totals' });
    await totals.getByText('Size on disk').waitFor();
    for (const t of ['Logical size', 'Dedup ratio', 'Compression ratio', 'Last check']) await totals.getByText(t).waitFor();
    await page.locator('figure.chart svg polyline').first().waitFor({ state: 'attached' });
    assert.equal(await page.locator('figure.chart').count(), 2, 'one source: a size chart and a new-bytes chart');
    assert.equal(await page.locator('figure.chart.size circle').count(), 2, 'a point per snapshot');
  });

  it('is usable by keyboard: skip link first, Tab reaches a snapshot, Enter opens it', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.locator('#snapshot-list').getByRole('link', { name: short(1) }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Skip to content');
    let reached = false;
    for (let i = 0; i < 80 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate<string>('document.activeElement.textContent ?? ""')) === short(1);
    }
    assert.ok(reached, 'Tab reaches the newest snapshot\'s link');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/snapshots/${S.fx.ids[1]}/tree`));
    await page.getByRole('link', { name: 'notes.txt' }).waitFor();
    assert.equal(await page.evaluate<string>('document.activeElement.id'), 'main', 'focus moves to the new page');
  });

  it('a browser without the token sees no snapshot, and the API refuses it', async () => {
    const { page, context } = await S.browser.newPage();
    await page.goto(`${S.viewer.origin}/stores/local/snapshots`);
    await page.getByRole('heading', { name: 'Not signed in' }).waitFor();
    const body = await page.locator('body').innerText();
    assert.ok(!body.includes(short(0)) && !body.includes(short(1)), 'no snapshot id on the page');
    assert.match(body, /coffer at <store> ui/);
    const res = await context.request.post(`${S.viewer.origin}/coffer.v1.StoreService/ListStoreSnapshots`, { data: {}, headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status(), 401);
    assert.ok(!(await res.text()).includes(S.fx.ids[0]));
    const wrong = await context.request.get(`${S.viewer.origin}/?token=not-the-token`, { maxRedirects: 0 });
    assert.notEqual(wrong.status(), 303, 'a wrong token sets no session');
  });
});
