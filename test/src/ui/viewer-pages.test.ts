/**
 * Every page of the local viewer, in a real browser against a real `coffer at S ui`: each
 * renders (no page error), has no serious or critical axe-core violation in light and dark,
 * has no horizontal overflow at a phone's 390×844, and is photographed for docs/ui.md
 * (docs/ui/<page>.png at 1280×800, and <page>-phone.png for some). Unknown stores, snapshots
 * and paths show the not-found page.
 */
import assert from 'node:assert/strict';
import { assertAccessible, hasHorizontalOverflow, PHONE, screenshot } from '../helpers/browser.js';
import { makeFixtureStore, signedInPage, viewerSuite } from '../helpers/viewer.js';

interface PageSpec {
  readonly name: string;
  readonly path: string;
  /** Something on the page once it has loaded. */
  readonly ready: string;
  readonly phone?: boolean;
}

describe('ui: local viewer, every page (axe, phone, screenshots)', function () {
  this.timeout(300_000);
  const S = viewerSuite(makeFixtureStore);
  let pages: PageSpec[];

  before(function () {
    const [a, b] = S.fx.ids;
    const s = '/stores/local';
    pages = [
      { name: 'snapshots', path: `${s}/snapshots`, ready: '#snapshot-list tbody tr', phone: true },
      { name: 'browse', path: `${s}/snapshots/${b}/tree/docs`, ready: '#tree tbody tr', phone: true },
      { name: 'preview-text', path: `${s}/snapshots/${b}/file/notes.txt`, ready: '.textview', phone: true },
      { name: 'preview-hex', path: `${s}/snapshots/${b}/file/data/random.bin`, ready: '.hexview' },
      { name: 'preview-image', path: `${s}/snapshots/${b}/file/pic.png`, ready: '.imageview img' },
      { name: 'search', path: `${s}/search?q=*.txt`, ready: '#results tbody tr', phone: true },
      { name: 'history', path: `${s}/history/notes.txt`, ready: '#history tbody tr' },
      { name: 'diff', path: `${s}/diff/${a}/${b}`, ready: '#diff tbody tr', phone: true },
      { name: 'filediff', path: `${s}/filediff/${a}/${b}/notes.txt`, ready: '#linediff tbody tr' },
      { name: 'verify', path: `${s}/check`, ready: 'form[aria-label="Start a check"]' },
      { name: 'restore', path: `${s}/restore/${b}?path=notes.txt&path=docs`, ready: 'form[aria-label="Restore"]' },
      { name: 'not-found', path: `${s}/snapshots/${b}/tree/no-such-folder`, ready: 'text=Not found' },
    ];
  });

  it('every page renders, passes axe in light and dark, and is photographed', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const tp = await signedInPage(S.browser, S.viewer);
      await tp.page.emulateMedia({ colorScheme: scheme });
      for (const p of pages) {
        await tp.page.goto(S.viewer.origin + p.path);
        await tp.page.locator(p.ready).first().waitFor();
        await assertAccessible(tp.page, `${p.name} (${scheme})`);
        if (scheme === 'light') await screenshot(tp.page, p.name);
      }
      assert.deepEqual(tp.errors, [], 'no page error');
      await tp.context.close();
    }
  });

  it('the page without a session passes axe and is photographed', async () => {
    const tp = await S.browser.newPage();
    await tp.page.goto(`${S.viewer.origin}/stores/local/snapshots`);
    await tp.page.getByRole('heading', { name: 'Not signed in' }).waitFor();
    await assertAccessible(tp.page, 'no session');
    await screenshot(tp.page, 'no-session');
  });

  it('at a phone\'s 390×844 no page scrolls sideways', async () => {
    const tp = await signedInPage(S.browser, S.viewer, { viewport: PHONE });
    const wide: string[] = [];
    for (const p of pages) {
      await tp.page.goto(S.viewer.origin + p.path);
      await tp.page.locator(p.ready).first().waitFor();
      if (await hasHorizontalOverflow(tp.page)) wide.push(p.name);
      if (p.phone) await screenshot(tp.page, `${p.name}-phone`);
    }
    assert.deepEqual(wide, [], 'pages wider than the phone');
  });

  it('unknown stores and snapshots show the not-found page', async () => {
    const { page } = await signedInPage(S.browser, S.viewer);
    for (const p of ['/stores/other/snapshots', `/stores/local/snapshots/0000000000000000/tree`, '/no/such/page']) {
      await page.goto(S.viewer.origin + p);
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
    }
  });
});
