/**
 * The console leg of bench:ui: a real controller (its console on the --http port, HTTPS
 * with its own CA) and one real agent on this machine, the benchmark's store in the
 * catalog with its passphrase held by the controller, and an admin logged in through
 * `POST /login`. Listings then go browser → controller → agent channel → agent (which
 * opens the store once and keeps it) and back, as the console's pages do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TEST_PASSPHRASE, tmpDir } from '@coffer/test/helpers/cli.js';
import { Fleet } from '@coffer/test/helpers/fleet.js';
import { BenchError } from '../errors.js';
import { cookieOf, webClient, type WebClient } from './ui-client.js';
import https from 'node:https';

export const CONSOLE_STORE = 'bench';

export interface ConsoleLeg {
  readonly client: WebClient;
  /** ms from the controller's start to a signed-in client (controller, agent, catalog, login). */
  readonly setupMs: number;
  stop(): Promise<void>;
}

function login(origin: string, ca: string, name: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${origin}/login`, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 || res.statusCode === 204 ? resolve(cookieOf(res)) : reject(new BenchError(`POST /login answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ name, password }));
  });
}

/** Starts the fleet serving `store` as catalog store CONSOLE_STORE and logs in. */
export async function startConsoleLeg(store: string): Promise<ConsoleLeg> {
  const t0 = performance.now();
  const fleet = await Fleet.start();
  try {
    const agent = await fleet.enroll('bench-agent');
    await agent.start();
    await fleet.ctlOk(['store', 'add', CONSOLE_STORE, store], { COFFER_PASSPHRASE: TEST_PASSPHRASE });
    const pw = path.join(tmpDir('coffer-bench-ui-'), 'admin.password');
    fs.writeFileSync(pw, 'bench admin password\n', { mode: 0o600 });
    await fleet.ctlOk(['user', 'add', 'benchadmin', '--role', 'admin', '--password-file', pw]);
    const ca = fs.readFileSync(fleet.caFile, 'utf8');
    const cookie = await login(fleet.consoleUrl, ca, 'benchadmin', 'bench admin password');
    const client = await webClient({ origin: fleet.consoleUrl, ca }, cookie);
    return { client, setupMs: performance.now() - t0, stop: () => fleet.stop() };
  } catch (err) {
    await fleet.stop();
    throw err;
  }
}
