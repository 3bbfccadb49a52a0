/**
 * A folder of 100,000 entries in the local viewer, in a real browser against a real
 * `coffer at S ui`: the first page shows its first entries, the pager reaches the last page
 * and its last entries, a name filter finds one entry among them, and a reverse sort puts the
 * last name first: each a page of rows from the server, not the whole folder.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { backupJson, createStore, tmpDir } from '../helpers/cli.js';
import { signedInPage, viewerSuite } from '../helpers/viewer.js';

const N = 100_000;
const nameOf = (i: number): string => `e${String(i).padStart(6, '0')}`;

describe('ui: local viewer, a folder of 100,000 entries', function () {
  this.timeout(600_000);
  const S = viewerSuite(() => {
    const root = tmpDir('coffer-ui-big-');
    const big = path.join(root, 'src', 'big');
    fs.mkdirSync(big, { recursive: true });
    for (let i = 0; i < N; i++) fs.writeFileSync(path.join(big, nameOf(i)), '');
    const store = path.join(root, 'store');
    createStore(store);
    const id = backupJson(store, path.join(root, 'src')).id;
    fs.rmSync(big, { recursive: true });
    return { store, id };
  });

  it('pages through it to the last entries, filters and sorts it on the server', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(`${S.viewer.origin}/stores/local/snapshots/${S.fx.id}/tree/big`);
    await page.getByRole('link', { name: nameOf(0) }).waitFor();
    const rows = await page.locator('#tree tbody tr').count();
    assert.ok(rows > 0 && rows <= 1000, `one page of rows, not the folder (${rows})`);
    await page.getByText('100,000 entries').waitFor();
    const pager = page.getByRole('navigation', { name: 'Folder pages' });
    const lastPage = Math.ceil(N / rows);
    await pager.getByRole('link', { name: `Page ${lastPage}` }).click();
    await page.waitForURL(new RegExp(`page=${lastPage}`));
    await page.getByRole('link', { name: nameOf(N - 1) }).waitFor();
    assert.equal(await page.getByRole('link', { name: nameOf(0) }).count(), 0);
    await pager.getByRole('link', { name: 'Previous' }).click();
    await page.waitForURL(new RegExp(`page=${lastPage - 1}`));
    await page.getByRole('link', { name: nameOf(N - rows - 1) }).waitFor();

    await page.goto(`${S.viewer.origin}/stores/local/snapshots/${S.fx.id}/tree/big?filter=${nameOf(54321)}`);
    await page.getByRole('link', { name: nameOf(54321) }).waitFor();
    assert.equal(await page.locator('#tree tbody tr').count(), 1);

    await page.goto(`${S.viewer.origin}/stores/local/snapshots/${S.fx.id}/tree/big`);
    await page.getByRole('link', { name: nameOf(0) }).waitFor();
    await page.locator('#tree thead').getByRole('link', { name: 'Name', exact: true }).click();
    await page.waitForURL(/desc=1/);
    await page.getByRole('link', { name: nameOf(N - 1) }).waitFor();
    assert.equal(await page.locator('#tree tbody tr td.name a').first().innerText(), nameOf(N - 1));
  });
});
