/**
 * The console's login and sessions in a real browser: a wrong password and an unknown
 * name get the same one message and stay on /login; the right password opens the
 * dashboard; a session left idle past --session-idle sends the browser back to /login
 * with the page it was on as ?next=. Screenshot: docs/ui/console-login.png.
 */
import assert from 'node:assert/strict';
import { cleanupTmpDirs } from '../helpers/cli.js';
import { assertAccessible, launchBrowser, requireChromium, screenshot, type TestBrowser } from '../helpers/browser.js';
import { PASSWORDS, login, startConsole, type ConsoleFleet } from './console-fixture.js';

describe('console UI: login and sessions', function () {
  this.timeout(300_000);
  let c: ConsoleFleet;
  let browser: TestBrowser;

  before(async function () {
    requireChromium(this);
    c = await startConsole({ controllerArgs: ['--session-idle', '4s'] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await c?.stop();
    cleanupTmpDirs();
  });

  it('refuses a wrong password and an unknown name with the same message, then logs in', async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(`${c.base}/`);
    await page.waitForURL(/\/login/, { timeout: 30_000 });
    await assertAccessible(page, 'the login page');
    await screenshot(page, 'console-login');
    const messages: string[] = [];
    for (const [name, pw] of [['admin', 'not the password'], ['nobody', PASSWORDS.admin]] as const) {
      await page.getByLabel('Name').fill(name);
      await page.getByLabel('Password').fill(pw);
      await page.getByRole('button', { name: 'Log in' }).click();
      messages.push(await page.getByRole('alert').innerText({ timeout: 30_000 }));
      assert.match(new URL(page.url()).pathname, /^\/login/);
    }
    assert.equal(messages[0], messages[1], 'one message for a wrong password and an unknown name');
    assert.match(messages[0] ?? '', /wrong password|try again/i);
    await login(page, c.base, 'admin');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.deepEqual(errors, []);
  });

  it('sends the browser to /login once the session has been idle too long', async () => {
    const { page } = await browser.newPage();
    await login(page, c.base, 'admin');
    // The users page loads once and does not poll, so the session really is idle.
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await new Promise((r) => setTimeout(r, 6000));
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.waitForURL(/\/login\?next=/, { timeout: 30_000 });
    assert.match(decodeURIComponent(page.url()), /next=\/agents/);
    await page.getByLabel('Name').fill('admin');
    await page.getByLabel('Password').fill(PASSWORDS.admin);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Agents' }).waitFor({ timeout: 30_000 });
  });
});
