/**
 * Search, history and diff in the local viewer, in a real browser against a real
 * `coffer at S ui`: a glob and a substring find files across both snapshots and link to them;
 * a file's page finds the snapshots holding its content; the history of a changed file marks
 * where it changed and two versions open a line diff; the diff of two snapshots lists added,
 * removed and changed files, drills into an added folder and into the line diff of a text file.
 */
import assert from 'node:assert/strict';
import { makeFixtureStore, signedInPage, viewerSuite } from '../helpers/viewer.js';

describe('ui: local viewer, search, history and diff', function () {
  this.timeout(180_000);
  const S = viewerSuite(makeFixtureStore);


  it('finds a file across snapshots by glob, and by substring, and opens it', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(`${S.viewer.origin}/stores/local/search`);
    await page.getByRole('searchbox', { name: 'Name' }).fill('*.txt');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=\*\.txt|q=%2A\.txt/);
    const results = page.locator('#results');
    await results.getByRole('link', { name: 'removed-later.txt', exact: true }).waitFor();
    assert.equal(await results.getByRole('link', { name: 'notes.txt', exact: true }).count(), 2, `notes.txt in both snapshots:\n${await results.innerText()}`);
    assert.equal(await results.getByRole('link', { name: 'removed-later.txt', exact: true }).count(), 1);
    await page.goto(`${S.viewer.origin}/stores/local/search?q=inne&mode=substring`);
    const hit = page.locator('#results').getByRole('link', { name: 'docs/deep/inner.txt' }).first();
    await hit.waitFor();
    await hit.click();
    await page.waitForURL(/\/file\/docs\/deep\/inner\.txt$/);
    await page.locator('.textview .text').getByText('deep inside').waitFor();
  });

  it('a file\'s page finds the snapshots holding the same content', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(`${S.viewer.origin}/stores/local/snapshots/${S.fx.ids[1]}/file/docs/readme.md`);
    await page.getByRole('link', { name: 'Snapshots holding this content' }).click();
    await page.waitForURL(/digest=/);
    const rows = page.locator('#results tbody tr');
    await rows.first().waitFor();
    const text = await page.locator('#results').innerText();
    assert.ok(text.includes(S.fx.ids[0].slice(0, 8)) && text.includes(S.fx.ids[1].slice(0, 8)), `both snapshots hold it:\n${text}`);
  });

  it('the history of a changed file marks the change; two versions open its line diff', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(`${S.viewer.origin}/stores/local/history/notes.txt`);
    const rows = page.locator('#history tbody tr');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(1).innerText(), /content changed/);
    await page.getByRole('checkbox', { name: `Select the version in ${S.fx.ids[0].slice(0, 8)}` }).check();
    await page.getByRole('checkbox', { name: `Select the version in ${S.fx.ids[1].slice(0, 8)}` }).check();
    await page.getByRole('button', { name: 'Compare the 2 selected' }).click();
    await page.waitForURL(new RegExp(`/filediff/${S.fx.ids[0]}/${S.fx.ids[1]}/notes.txt$`));
    const diff = page.locator('#linediff');
    await diff.locator('tr.add').first().waitFor();
    const added = await diff.locator('tr.add td.code').allInnerTexts();
    const removed = await diff.locator('tr.del td.code').allInnerTexts();
    assert.deepEqual(added, ['line 2, changed', 'line four']);
    assert.deepEqual(removed, ['line two']);
    const four = diff.locator('tr.add', { hasText: 'line four' });
    assert.equal((await four.locator('td.num').allInnerTexts())[1], '4', 'line numbers of the new side');
  });

  it('the diff of two snapshots lists added, removed and changed files and drills into a folder and a line diff', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(`${S.viewer.origin}/stores/local/snapshots`);
    const short = S.fx.ids.map((id: string) => id.slice(0, 8));
    await page.getByRole('checkbox', { name: `Select snapshot ${short[0] ?? ''} to compare` }).check();
    await page.getByRole('checkbox', { name: `Select snapshot ${short[1] ?? ''} to compare` }).check();
    await page.getByRole('button', { name: 'Compare the 2 selected' }).click();
    await page.waitForURL(new RegExp(`/diff/${S.fx.ids[0]}/${S.fx.ids[1]}$`));
    const table = page.locator('#diff');
    await table.locator('tbody tr').first().waitFor();
    const rowOf = (name: string) => table.locator('tbody tr', { hasText: name });
    assert.match(await rowOf('added-later.txt').innerText(), /added/);
    assert.match(await rowOf('removed-later.txt').innerText(), /removed/);
    assert.match(await rowOf('notes.txt').innerText(), /changed[\s\S]*content/);
    assert.equal(await rowOf('readme.md').count(), 0, 'unchanged files are not listed');
    // An added folder is one change; its link drills into it.
    assert.match(await rowOf('newdir').innerText(), /added/);
    await rowOf('newdir').getByRole('link', { name: 'newdir/' }).click();
    await page.waitForURL(new RegExp(`/diff/${S.fx.ids[0]}/${S.fx.ids[1]}/newdir$`));
    await table.locator('tbody tr', { hasText: 'newdir/b.txt' }).waitFor();
    assert.match(await rowOf('newdir/a.txt').innerText(), /added/);
    assert.equal(await rowOf('notes.txt').count(), 0, 'only what is under newdir');
    await page.goBack();
    await rowOf('notes.txt').getByRole('link').click();
    await page.waitForURL(/\/filediff\//);
    await page.locator('#linediff tr.del', { hasText: 'line two' }).waitFor();
    // The parent diff of the second snapshot is the same change.
    await page.goto(`${S.viewer.origin}/stores/local/diff/parent/${S.fx.ids[1]}`);
    await page.locator('#diff tbody tr', { hasText: 'added-later.txt' }).waitFor();
  });
});
