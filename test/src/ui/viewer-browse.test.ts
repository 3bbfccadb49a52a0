/**
 * Browsing, previews and downloads in the local viewer, in a real browser against a real
 * `coffer at S ui`: breadcrumbs and a shared URL reloaded in another browser; a downloaded
 * file and a downloaded folder .tar (extracted with the system tar) equal the source byte
 * for byte; text previews with line numbers, binary as hex, images as images; a file named
 * and filled with markup is listed, previewed and downloaded without anything running; and
 * traversal in URLs is refused (the API with 400, the app with its not-found page).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../helpers/cli.js';
import { sha256Tree } from '../helpers/tree.js';
import { assertNothingRan, LONG_TEXT, makeFixtureStore, NOTES_V2, signedInPage, viewerSuite, XSS_BODY, XSS_NAME } from '../helpers/viewer.js';

/** Waits (at most 30 s, polling every 200 ms) until the element's text passes `ok`; the caller then asserts it. */
async function textSettles(loc: { innerText(): Promise<string> }, ok: (text: string) => boolean): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end && !ok(await loc.innerText())) await new Promise((r) => setTimeout(r, 200));
}

describe('ui: local viewer, browse, preview and download', function () {
  this.timeout(180_000);
  const S = viewerSuite(makeFixtureStore);
  const tree = (p = ''): string => `${S.viewer.origin}/stores/local/snapshots/${S.fx.ids[1]}/tree${p ? `/${p}` : ''}`;
  const file = (p: string): string => `${S.viewer.origin}/stores/local/snapshots/${S.fx.ids[1]}/file/${p}`;


  it('walks folders with breadcrumbs; the URL, shared with another browser, shows the same folder', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(tree());
    await page.getByRole('link', { name: 'docs/' }).click();
    await page.getByRole('link', { name: 'deep/' }).click();
    await page.getByRole('link', { name: 'inner.txt' }).waitFor();
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumbs' });
    assert.deepEqual(await crumbs.locator('li').allInnerTexts(), [`snapshot ${S.fx.ids[1].slice(0, 8)}`, 'docs', 'deep']);
    const shared = page.url();
    assert.match(shared, /\/tree\/docs\/deep$/);
    const other = await signedInPage(S.browser, S.viewer);
    await other.page.goto(shared);
    await other.page.getByRole('link', { name: 'inner.txt' }).waitFor();
    await other.page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'docs' }).click();
    await other.page.waitForURL(/\/tree\/docs$/);
    await other.page.getByRole('link', { name: 'readme.md' }).waitFor();
  });

  it('sorts and filters on the server, with both in the URL', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(tree());
    await page.getByRole('link', { name: 'Size' }).click();
    await page.waitForURL(/sort=size/);
    await page.getByLabel('Names containing').fill('NOTES');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/filter=NOTES/);
    await page.getByRole('link', { name: 'notes.txt' }).waitFor();
    assert.equal(await page.locator('#tree tbody tr').count(), 1);
    await page.reload();
    await page.getByRole('link', { name: 'notes.txt' }).waitFor();
    assert.equal(await page.locator('#tree tbody tr').count(), 1);
  });

  it('a downloaded file equals the source byte for byte', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(file('data/random.bin'));
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download', exact: true }).click()]);
    const to = path.join(tmpDir('coffer-ui-dl-'), 'random.bin');
    await dl.saveAs(to);
    assert.ok(fs.readFileSync(to).equals(fs.readFileSync(path.join(S.fx.src, 'data', 'random.bin'))), 'same bytes');
    assert.equal(dl.suggestedFilename(), 'random.bin');
  });

  it('a downloaded folder .tar, extracted with tar, equals the source folder', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(tree('docs'));
    await page.getByRole('link', { name: 'readme.md' }).waitFor();
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download .tar' }).click()]);
    const dir = tmpDir('coffer-ui-tar-');
    const tarFile = path.join(dir, 'docs.tar');
    await dl.saveAs(tarFile);
    const out = path.join(dir, 'x');
    fs.mkdirSync(out);
    const r = spawnSync('tar', ['-xf', tarFile, '-C', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tar -xf: ${r.stderr}`);
    const got = fs.existsSync(path.join(out, 'docs')) ? path.join(out, 'docs') : out;
    const want = sha256Tree(path.join(S.fx.src, 'docs'));
    const have = sha256Tree(got);
    for (const [p, e] of want) {
      if (e.type !== 'file') continue;
      assert.equal(have.get(p)?.sha256, e.sha256, `${p} in the tar`);
    }
  });

  it('a selection downloaded as .zip, extracted with unzip, equals the sources', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(tree());
    await page.getByRole('checkbox', { name: 'Select notes.txt' }).check();
    await page.getByRole('checkbox', { name: 'Select docs' }).check();
    await page.getByText('2 selected:').waitFor();
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download .zip' }).click()]);
    const dir = tmpDir('coffer-ui-zip-');
    const zipFile = path.join(dir, 'sel.zip');
    await dl.saveAs(zipFile);
    const out = path.join(dir, 'x');
    const r = spawnSync('unzip', ['-q', zipFile, '-d', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, `unzip: ${r.stderr}`);
    assert.equal(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8'), NOTES_V2);
    const want = sha256Tree(path.join(S.fx.src, 'docs'));
    const have = sha256Tree(path.join(out, 'docs'));
    for (const [p, e] of want) if (e.type === 'file') assert.equal(have.get(p)?.sha256, e.sha256, `docs/${p} in the zip`);
  });

  it('a text preview shows the first MiB only, and says so', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    await page.goto(file('data/long.txt'));
    await page.getByText('Showing the first 1.00 MiB').waitFor();
    const text = await page.locator('.textview .text').innerText();
    assert.ok(text.startsWith('line 000001\nline 000002\n'), 'from the first line');
    assert.ok(text.length <= 1 << 20 && text.length > (1 << 20) - 20, `about one MiB shown (${text.length})`);
    assert.ok(LONG_TEXT.startsWith(text), 'exactly the start of the file');
  });

  it('previews text with line numbers, binary as hex, and images as images', async () => {
    const tp = await signedInPage(S.browser, S.viewer);
    const { page } = tp;
    await page.goto(file('notes.txt'));
    await page.locator('.textview .text').waitFor();
    // The view may show before its content has arrived on a loaded machine: wait for it.
    await textSettles(page.locator('.textview .text'), (t) => t === NOTES_V2.trimEnd());
    assert.equal(await page.locator('.textview .text').innerText(), NOTES_V2.trimEnd());
    assert.equal(await page.locator('.textview .lineno').innerText(), '1\n2\n3\n4');
    await page.goto(file('data/random.bin'));
    await page.locator('.hexview').waitFor();
    const first16 = fs.readFileSync(path.join(S.fx.src, 'data', 'random.bin')).subarray(0, 16);
    const hex = [...first16].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    await textSettles(page.locator('.hexview'), (t) => t.startsWith(`00000000  ${hex}`));
    assert.ok((await page.locator('.hexview').innerText()).startsWith(`00000000  ${hex}`), 'the first hex line');
    await page.goto(file('pic.png'));
    const img = page.getByRole('img', { name: 'Preview of pic.png' });
    await img.waitFor();
    // Polled from here: a string predicate is eval'd in the page, which the page's CSP refuses.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(await img.evaluate((el: unknown) => (el as { complete: boolean }).complete))) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await img.evaluate((el: unknown) => (el as { naturalWidth: number }).naturalWidth), 1, 'the image decoded');
    assertNothingRan(tp, 'previews');
  });

  it('a file named and filled with markup is listed, previewed and downloaded as text: nothing runs', async () => {
    const tp = await signedInPage(S.browser, S.viewer);
    const { page } = tp;
    await page.goto(tree());
    const link = page.getByRole('link', { name: XSS_NAME });
    await link.waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'the name is not parsed as markup');
    await link.click();
    await page.locator('.textview .text').waitFor();
    assert.equal(await page.locator('.textview .text').innerText(), XSS_BODY.trimEnd());
    assert.equal(await page.locator('main script').count(), 0);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download', exact: true }).click()]);
    const to = path.join(tmpDir('coffer-ui-xss-'), 'x.html');
    await dl.saveAs(to);
    assert.equal(fs.readFileSync(to, 'utf8'), XSS_BODY);
    // Opened directly, the content is served so that it cannot run either.
    const q = `snapshot=${S.fx.ids[1]}&path=${encodeURIComponent(XSS_NAME)}`;
    for (const url of [`/preview/file?${q}`, `/download/file?${q}`]) {
      const res = await page.request.get(S.viewer.origin + url);
      assert.equal(res.status(), 200, url);
      assert.doesNotMatch(res.headers()['content-type'] ?? '', /html|svg|javascript/i, url);
      assert.equal(res.headers()['x-content-type-options'], 'nosniff', url);
      assert.match(res.headers()['content-security-policy'] ?? '', /sandbox/, url);
    }
    await page.goto(`${S.viewer.origin}/preview/file?${q}`);
    await page.waitForTimeout(300); // lets an (unexpected) onerror or script fire before the check
    assertNothingRan(tp, 'listing, preview and download of a markup file');
  });

  it('refuses traversal: the API answers 400, the app shows its not-found page', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    const id = S.fx.ids[1];
    for (const p of ['../../../etc/passwd', 'docs/../../etc/passwd', '%2e%2e/%2e%2e/etc/passwd', 'docs/%00x']) {
      for (const kind of ['download/file', 'preview/file']) {
        const res = await page.request.get(`${S.viewer.origin}/${kind}?snapshot=${id}&path=${p.includes('%') ? p : encodeURIComponent(p)}`);
        assert.equal(res.status(), 400, `${kind} ${p}`);
      }
    }
    const arc = await page.request.get(`${S.viewer.origin}/download/archive?snapshot=${id}&path=${encodeURIComponent('../..')}&format=tar`);
    assert.equal(arc.status(), 400, 'archive ../..');
    // The browser resolves %2e%2e segments itself (to a page that does not exist); a segment
    // that decodes to one holding "/.." reaches the server, which refuses it.
    for (const p of ['%2e%2e/%2e%2e/etc', 'docs/%2E%2E/%2E%2E', 'docs%2F..%2F..', '..%2F..%2Fetc']) {
      const res = await page.goto(`${S.viewer.origin}/stores/local/snapshots/${id}/tree/${p}`);
      if (res?.status() === 400) continue;
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
      assert.equal(await page.locator('#tree').count(), 0, `no listing for ${p}`);
    }
    await page.goto(`${S.viewer.origin}/stores/local/snapshots/${id}/tree/no-such-folder`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await page.goto(`${S.viewer.origin}/stores/local/snapshots/ffffffffffff/tree`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
  });
});
