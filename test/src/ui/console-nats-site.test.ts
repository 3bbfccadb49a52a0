/**
 * A NATS site whose leaf node goes away is shown as unreachable (issue 12): a real hub
 * and leaf nats-server, the controller probing the leaf's JetStream domain every second,
 * an agent of the site on its leaf. With the leaf stopped, the console's agents page (in
 * a real browser) names the site in an alert, with since when, and the agent's badge says
 * "site paris unreachable"; the dashboard has the same alert; `ctl agents` and /metrics
 * say so too. With the leaf back, the alert goes and the agent is online again.
 */
import assert from 'node:assert/strict';
import { cleanupTmpDirs, tmpDir } from '../helpers/cli.js';
import { launchBrowser, requireChromium, type TestBrowser, type TestPage } from '../helpers/browser.js';
import type { Fleet } from '../helpers/fleet.js';
import { startLeafSite } from '../helpers/nats-leaf-site.js';
import { requireNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { addConsoleUsers, eventually, login } from './console-fixture.js';

describe('console UI: a NATS site whose leaf node is down', function () {
  this.timeout(300_000);
  let fleet: Fleet;
  let hub: NatsServer;
  let leaf: NatsServer;
  let browser: TestBrowser;
  let tp: TestPage;

  before(async function () {
    requireChromium(this);
    const bin = requireNatsServer(this);
    const data = tmpDir('coffer-console-site-');
    ({ fleet, hub, leaf } = await startLeafSite(bin, data, { COFFER_NATS_SITE_PROBE_MS: '1000', COFFER_AGENT_LOST_MS: '120000' }));
    await addConsoleUsers(fleet, data, ['admin']);
    browser = await launchBrowser();
    tp = await browser.newPage();
    await login(tp.page, fleet.consoleUrl, 'admin');
  });

  after(async () => {
    await browser?.close();
    await fleet?.stop();
    await leaf?.kill();
    await hub?.kill();
    cleanupTmpDirs();
  });

  const metric = async (): Promise<string> => (await (await fetch(`http://127.0.0.1:${fleet.httpPort}/metrics`)).text()).split('\n').find((l) => l.startsWith('coffer_nats_site_reachable{site="paris"}')) ?? '';

  it('shows the site unreachable while its leaf is down, and online again once it is back', async () => {
    const { page } = tp;
    await page.goto(`${fleet.consoleUrl}/agents`);
    const row = page.locator('tr[data-agent="p1"]');
    await eventually(() => row.innerText(), (t) => /online/.test(t), 'p1 online');
    assert.equal(await page.locator('p.site-down').count(), 0, 'no alert while the leaf answers');
    await eventually(metric, (l) => / 1$/.test(l), 'the gauge says reachable');

    await leaf.kill();
    const alert = page.locator('p.site-down[data-site="paris"]');
    const text = await eventually(async () => ((await alert.count()) > 0 ? alert.innerText() : ''), (t) => t !== '', 'the alert for site paris', 100, 300);
    assert.match(text, /Site paris is unreachable since \d{4}-\d\d-\d\d/);
    assert.equal(await alert.getAttribute('role'), 'alert');
    await eventually(() => row.innerText(), (t) => /site paris unreachable/.test(t), "p1's badge names its site");
    const ctl = await fleet.ctlOk(['agents']);
    assert.match(ctl.stdout, /^p1\s+site paris unreachable since \d{4}-/m, ctl.stdout);
    const json = JSON.parse((await fleet.ctlOk(['agents', '--json'])).stdout) as { name: string; site?: string; siteUnreachableSinceMs?: string | number }[];
    assert.ok(Number(json.find((a) => a.name === 'p1')?.siteUnreachableSinceMs) > 0, JSON.stringify(json));
    assert.match(await metric(), / 0$/);
    await page.goto(`${fleet.consoleUrl}/`);
    const dash = page.locator('section[aria-labelledby="dash-agents"] p.site-down[data-site="paris"]');
    await eventually(async () => ((await dash.count()) > 0 ? dash.innerText() : ''), (t) => /Site paris is unreachable since/.test(t), 'the dashboard names site paris too');
    await page.goto(`${fleet.consoleUrl}/agents`);

    await leaf.start();
    await eventually(async () => alert.count(), (n) => n === 0, 'the alert goes once the leaf is back', 200, 300);
    await eventually(() => row.innerText(), (t) => /online/.test(t), 'p1 online again', 200, 300);
    assert.match(await metric(), / 1$/);
  });
});
