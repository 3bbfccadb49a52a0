/**
 * A real browser for the UI tests: Debian's Chromium (/usr/bin/chromium) driven by
 * playwright-core (never a downloaded browser), headless, with no network of its own
 * (no QUIC, no background networking, component updates or sync), in a fresh profile
 * (a temporary user-data dir that playwright makes and removes on `close`).
 * Guarantees: without /usr/bin/chromium a test is skipped with a message, except in CI
 * (CI=true), where it fails; every page records the dialogs it opened (`dialogs`) and its
 * uncaught errors (`errors`), so a test can assert nothing ran; `assertAccessible` runs
 * axe-core in the page and fails on any serious or critical violation; `screenshot` writes
 * docs/ui/<name>.png (or $COFFER_SCREENSHOTS_DIR).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { IN_CI, REPO_ROOT } from './cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export interface TestPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Messages of every dialog (alert, confirm, prompt) the page opened; each is dismissed. */
  readonly dialogs: string[];
  /** Uncaught page errors. */
  readonly errors: string[];
}

export interface TestBrowser {
  /** A page in a context of its own (its own cookies). */
  newPage(opts?: { viewport?: { width: number; height: number }; bypassCSP?: boolean }): Promise<TestPage>;
  close(): Promise<void>;
}

/** Skips the test (outside CI) or fails it (in CI) when Chromium is missing. */
export function requireChromium(ctx: Mocha.Context): void {
  if (fs.existsSync(CHROMIUM)) return;
  if (IN_CI) assert.fail(`${CHROMIUM} is missing: install Debian's chromium package (scripts/test.sh does)`);
  console.log(`      (skipped: ${CHROMIUM} is missing; apt-get install chromium)`);
  ctx.skip();
}

/** Launches Chromium headless; playwright gives it a fresh temporary profile and removes it on close. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  return {
    async newPage(opts = {}) {
      // The console is HTTPS with the test controller's own CA, which Chromium does not know.
      const context = await browser.newContext({ viewport: opts.viewport ?? DESKTOP, bypassCSP: opts.bypassCSP ?? false, acceptDownloads: true, ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const dialogs: string[] = [];
      const errors: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss().catch(() => undefined);
      });
      page.on('pageerror', (e) => errors.push(e.message));
      return { page, context, dialogs, errors };
    },
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

let axeSource: string | undefined;

/** Runs axe-core on the page; fails listing every serious or critical violation. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  axeSource ??= fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (an
  // injected <script> would be refused by script-src 'self').
  await page.evaluate(axeSource);
  const violations = await page.evaluate<{ id: string; impact: string | null; help: string; targets: string[] }[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) })))`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe found serious or critical violations on ${what}:\n${bad.map((v) => `  ${v.impact ?? ''} ${v.id}: ${v.help} at ${v.targets.join(', ')}`).join('\n')}`);
}

/** Where screenshots go: docs/ui (the pictures docs/ui.md shows) unless overridden. */
export function screenshotDir(): string {
  return process.env.COFFER_SCREENSHOTS_DIR ?? path.join(REPO_ROOT, 'docs', 'ui');
}

/** Writes a screenshot of the viewport as <dir>/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = screenshotDir();
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** Whether the page scrolls sideways (content wider than the viewport). */
export async function hasHorizontalOverflow(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth + 1');
}

/**
 * Waits until no element of the page says it is busy (`aria-busy=true`), polling from the
 * test (the page's CSP forbids the string predicates of waitForFunction); bounded in time.
 */
export async function waitNotBusy(page: Page, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await page.locator('[aria-busy=true]').count()) > 0) {
    if (Date.now() > until) throw new Error(`${page.url()} stayed busy for ${timeoutMs} ms`);
    await page.waitForTimeout(100);
  }
}
