/**
 * Verify and restore in the local viewer, in a real browser against a real `coffer at S ui`:
 * a full check of a sound store says so; after one flipped byte in the pack that holds a file,
 * the check names that file and its snapshot; a selection restores into a local folder with
 * the result shown, and restoring it again with "keep them" counts the skipped files.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { screenshot } from '../helpers/browser.js';
import { backupJson, createStore, tmpDir } from '../helpers/cli.js';
import { filesOf, flipByte } from '../helpers/damage.js';
import { sha256Tree } from '../helpers/tree.js';
import { makeFixtureStore, NOTES_V2, signedInPage, startViewer, viewerSuite } from '../helpers/viewer.js';

/** Where a restored selection put `rel`: under its path, or under its base name. */
function restored(target: string, rel: string): string {
  const full = path.join(target, rel);
  return fs.existsSync(full) ? full : path.join(target, path.basename(rel));
}

describe('ui: local viewer, verify and restore', function () {
  this.timeout(240_000);
  const S = viewerSuite(makeFixtureStore);


  it('a fast, a full and a subset check of a sound store each say so', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    for (const mode of [/^Fast/, /^Full/, /^A subset/]) {
      await page.goto(`${S.viewer.origin}/stores/local/check`);
      await page.getByRole('radio', { name: mode }).check();
      if (String(mode) === String(/^A subset/)) await page.getByRole('textbox', { name: 'Subset' }).fill('1/2');
      await page.getByRole('button', { name: 'Start the check' }).click();
      await page.getByRole('heading', { name: 'The store is sound' }).waitFor();
    }
  });

  it('the store and its snapshots show the last check and its age', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(`${S.viewer.origin}/stores/local/check`);
    await page.getByRole('radio', { name: /^Full/ }).check();
    await page.getByRole('button', { name: 'Start the check' }).click();
    await page.getByRole('heading', { name: 'The store is sound' }).waitFor();
    await page.goto(`${S.viewer.origin}/stores/local/snapshots`);
    const totals = page.getByRole('region', { name: 'Store totals' });
    await totals.getByText(/OK \(full, \d+ s ago\)/).waitFor();
    await page.locator('#snapshot-list tbody tr').first().getByText(/OK \(full/).waitFor();
  });

  it('after a flipped byte in a pack, a check names the damaged file and its snapshot', async () => {
    const root = tmpDir('coffer-ui-dmg-');
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'victim.bin'), randomBytes(3 << 20));
    fs.writeFileSync(path.join(src, 'bystander.txt'), 'small and elsewhere\n');
    createStore(store);
    const id = backupJson(store, src).id;
    const packs = filesOf(store, 'data').sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
    const biggest = packs[0] as string;
    flipByte(biggest, Math.floor(fs.statSync(biggest).size / 2));
    const v = await startViewer(store);
    try {
      const { page } = await signedInPage(S.browser, v);
      await page.goto(`${v.origin}/stores/local/check`);
      await page.getByRole('radio', { name: /^Full/ }).check();
      await page.getByRole('button', { name: 'Start the check' }).click();
      await page.getByRole('heading', { name: /Damage found/ }).waitFor();
      const files = await page.locator('#damaged-files').innerText();
      assert.match(files, /victim\.bin/);
      assert.doesNotMatch(files, /bystander/);
      assert.match(await page.locator('#damaged-snapshots').innerText(), new RegExp(id));
      await screenshot(page, 'verify-damage');
    } finally {
      await v.stop();
    }
  });

  it('a restore the API refuses shows its one-line error, no stack', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    const notDir = path.join(tmpDir('coffer-ui-restore-bad-'), 'a-file');
    fs.writeFileSync(notDir, 'not a folder\n');
    await page.goto(`${S.viewer.origin}/stores/local/restore/${S.fx.ids[1]}?path=notes.txt`);
    await page.getByLabel('Restore into this local folder').fill(path.join(notDir, 'below'));
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.equal(text.split('\n').length, 1, `one line: ${text}`);
    assert.doesNotMatch(text, /\bat .*\(|\.js:\d+/, 'no stack trace');
    assert.equal(fs.readFileSync(notDir, 'utf8'), 'not a folder\n');
  });

  it('restores a selection into a local folder; again with "keep them", the files are skipped', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(`${S.viewer.origin}/stores/local/snapshots/${S.fx.ids[1]}/tree`);
    await page.getByRole('checkbox', { name: 'Select notes.txt' }).check();
    await page.getByRole('checkbox', { name: 'Select docs' }).check();
    await page.getByRole('link', { name: 'Restore…' }).click();
    await page.waitForURL(/\/restore\/.*path=/);
    await page.getByText('2 selected path(s)').waitFor();
    const target = path.join(tmpDir('coffer-ui-restore-'), 'to');
    fs.mkdirSync(target);
    await page.getByLabel('Restore into this local folder').fill(target);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByRole('heading', { name: 'Restored' }).waitFor();
    assert.match(await page.locator('#restore-summary').innerText(), /\b0 skipped/);
    await screenshot(page, 'restore-result');
    assert.equal(fs.readFileSync(restored(target, 'notes.txt'), 'utf8'), NOTES_V2);
    const docs = sha256Tree(path.join(S.fx.src, 'docs'));
    const got = sha256Tree(restored(target, 'docs'));
    for (const [p, e] of docs) if (e.type === 'file') assert.equal(got.get(p)?.sha256, e.sha256, `docs/${p}`);
    await page.getByLabel('Files that exist already').selectOption('never');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByText(/\b[1-9]\d* skipped/).waitFor();
    assert.match(await page.locator('#restore-summary').innerText(), /^0 file\(s\)/);
  });
});
