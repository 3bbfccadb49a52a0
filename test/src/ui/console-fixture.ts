/**
 * A fleet console for the browser tests: a real controller (its console on the --http
 * port) with one started agent, a store on local disk whose passphrase the controller
 * holds, a source, a destination, and three console users (admin, operator, viewer, made
 * with `coffer ctl user add … --password-file`). `login` fills the real login form.
 * Every wait is bounded (count and interval); `stop()` ends every process.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describeRun, lines, runCoffer, tmpDir } from '../helpers/cli.js';
import { FINAL, Fleet, type FleetAgent, type JobView } from '../helpers/fleet.js';
import { writeTree } from '../helpers/tree.js';

export const STORE_PW = 'console ui test passphrase';
export const PASSWORDS = { admin: 'admin password 1', operator: 'operator password 2', viewer: 'viewer password 3' } as const;
export type UserName = keyof typeof PASSWORDS;

export interface ConsoleFleet {
  readonly fleet: Fleet;
  readonly agent: FleetAgent;
  /** Folder of the test's data: store/, home/ (the source), out/ (the destination). */
  readonly data: string;
  /** The console's origin, https://127.0.0.1:PORT (plain HTTP there answers only /metrics and /healthz). */
  readonly base: string;
  stop(): Promise<void>;
}

/** Adds the console users `names` (each with the role of its name and its PASSWORDS entry, from a 0600 password file in `dir`). */
export async function addConsoleUsers(fleet: Fleet, dir: string, names: readonly UserName[] = Object.keys(PASSWORDS) as UserName[]): Promise<void> {
  for (const name of names) {
    const f = path.join(dir, `${name}.password`);
    fs.writeFileSync(f, `${PASSWORDS[name]}\n`, { mode: 0o600 });
    await fleet.ctlOk(['user', 'add', name, '--role', name, '--password-file', f]);
  }
}

/** Starts the fleet; `controllerArgs` go to `coffer controller start` (--session-idle 4s …). */
export async function startConsole(opts: { controllerArgs?: readonly string[]; source?: (dir: string) => void } = {}): Promise<ConsoleFleet> {
  const data = tmpDir('coffer-console-ui-');
  const made = runCoffer(['at', path.join(data, 'store'), 'create'], { env: { COFFER_PASSPHRASE: STORE_PW } });
  assert.equal(made.code, 0, describeRun(made));
  (opts.source ?? ((d) => writeTree(d, { 'hello.txt': 'hello from the console test\n', docs: { type: 'dir', children: { 'a.bin': Buffer.alloc(300_000, 9) } } })))(path.join(data, 'home'));
  const fleet = await Fleet.start({ COFFER_RETRY_BASE_MS: '1000' }, opts.controllerArgs ?? []);
  const agent = await fleet.enroll('web1', { labels: { site: 'test' } });
  await agent.start();
  await fleet.ctlOk(['store', 'add', 'main', path.join(data, 'store')], { COFFER_PASSPHRASE: STORE_PW });
  await fleet.ctlOk(['source', 'add', 'home', path.join(data, 'home'), '--agent', 'web1']);
  await fleet.ctlOk(['destination', 'add', 'out', path.join(data, 'out'), '--agent', 'web1']);
  await addConsoleUsers(fleet, data);
  return { fleet, agent, data, base: fleet.consoleUrl, stop: () => fleet.stop() };
}

/** Runs a backup of `source` into main through the API and waits for it to succeed. */
export async function backup(fleet: Fleet, source = 'home'): Promise<JobView> {
  const run = await fleet.ctlOk(['job', 'run', 'backup', '--source', source, '--store', 'main']);
  const id = lines(run.stdout).at(-1) ?? '';
  const j = await fleet.waitJob(id, (x) => FINAL.has(x.state ?? ''), { attempts: 600, intervalMs: 200 }, `the backup of ${source}`);
  assert.equal(j.state, 'JOB_STATE_SUCCEEDED', JSON.stringify(j));
  return j;
}

/** Logs in through the login page and waits for the dashboard. */
export async function login(page: Page, base: string, user: UserName): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Name').fill(user);
  await page.getByLabel('Password').fill(PASSWORDS[user]);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: 30_000 });
}

/** Polls `read` (at most `attempts` times, `intervalMs` apart) until `ok`; fails with the last value. */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, attempts = 100, intervalMs = 300): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return assert.fail(`${what}: not reached after ${attempts} polls; last: ${JSON.stringify(last)}`);
}
