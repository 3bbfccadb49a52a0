/**
 * A running `coffer at <store> ui --no-browser` for the benchmark, and a signed-in web
 * client (of it, or of the console): the printed URL exchanged for the cookie, Connect
 * calls (timed to the last byte of the answer) and downloads read as fast as they come and
 * thrown away (bytes counted). Stops the viewer with SIGINT (SIGKILL after 10 s).
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnCoffer, type RunningCoffer } from '@coffer/test/helpers/cli.js';
import { BenchError } from '../errors.js';

const URL_LINE = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m;

/** A signed-in client of a viewer or console: Connect calls and downloads. */
export interface WebClient {
  /** A Connect call of StoreService; its answer (JSON) and the ms to its last byte. */
  call(method: string, body: object): Promise<{ ms: number; json: Record<string, unknown> }>;
  /** GETs `path` and discards the body; bytes and ms to its last byte. */
  download(path: string): Promise<{ ms: number; bytes: number }>;
}

export interface Viewer extends WebClient {
  readonly proc: RunningCoffer;
  readonly pid: number;
  /** ms from the spawn to the printed URL (store opened, index loaded). */
  readonly startMs: number;
  stop(): Promise<void>;
}

export interface Endpoint {
  readonly origin: string;
  /** For HTTPS (the console): the CA to trust. */
  readonly ca?: string;
}

function send(ep: Endpoint, path: string, opts: { method?: string; headers: Record<string, string>; body?: string }): Promise<http.IncomingMessage> {
  const mod = ep.origin.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(`${ep.origin}${path}`, { method: opts.method ?? 'GET', headers: opts.headers, ...(ep.ca !== undefined ? { ca: ep.ca } : {}) }, resolve);
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function drain(res: http.IncomingMessage): Promise<number> {
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) n += c.length;
  return n;
}

async function text(res: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts).toString();
}

/** The CSRF token of the session `cookie` names (GET /session). */
export async function csrfOf(ep: Endpoint, cookie: string): Promise<string> {
  const res = await send(ep, '/session', { headers: { cookie } });
  const body = await text(res);
  if (res.statusCode !== 200) throw new BenchError(`GET /session answered ${res.statusCode}: ${body.slice(0, 200)}`);
  return (JSON.parse(body) as { csrfToken?: string }).csrfToken ?? '';
}

/** The `name=value` of the first Set-Cookie of `res`. */
export function cookieOf(res: http.IncomingMessage): string {
  return (res.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
}

/** A client of `ep` signed in with `cookie`. */
export async function webClient(ep: Endpoint, cookie: string): Promise<WebClient> {
  const csrf = await csrfOf(ep, cookie);
  return {
    async call(method, body) {
      const t = performance.now();
      const res = await send(ep, `/coffer.v1.StoreService/${method}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = await text(res);
      const ms = performance.now() - t;
      if (res.statusCode !== 200) throw new BenchError(`${method} answered ${res.statusCode}: ${answer.slice(0, 300)}`);
      return { ms, json: JSON.parse(answer) as Record<string, unknown> };
    },
    async download(path) {
      const t = performance.now();
      const res = await send(ep, path, { headers: { cookie } });
      if (res.statusCode !== 200) throw new BenchError(`GET ${path.split('?')[0] ?? ''} answered ${res.statusCode}`);
      const bytes = await drain(res);
      return { ms: performance.now() - t, bytes };
    },
  };
}

/** Starts the viewer on `store`; waits (at most 10 min) for its URL and signs in. */
export async function startViewer(store: string): Promise<Viewer> {
  const t0 = performance.now();
  const proc = spawnCoffer(['at', store, 'ui', '--no-browser']);
  for (let i = 0; i < 6000 && !URL_LINE.test(proc.stdoutSoFar()) && !proc.exited(); i++) await sleep(100);
  const m = URL_LINE.exec(proc.stdoutSoFar());
  if (!m?.[1] || proc.exited() || proc.child.pid === undefined) {
    proc.child.kill('SIGKILL');
    const r = await proc.done;
    throw new BenchError(`coffer at ${store} ui printed no URL: ${r.stderr.trim().split('\n').pop() ?? ''}`);
  }
  const startMs = performance.now() - t0;
  const url = new URL(m[1]);
  const signIn = await send({ origin: url.origin }, `/${url.search}`, { headers: {} });
  await drain(signIn);
  const client = await webClient({ origin: url.origin }, cookieOf(signIn));
  return {
    ...client,
    proc,
    pid: proc.child.pid,
    startMs,
    async stop() {
      proc.child.kill('SIGINT');
      for (let i = 0; i < 100 && !proc.exited(); i++) await sleep(100);
      if (!proc.exited()) proc.child.kill('SIGKILL');
      await proc.done;
    },
  };
}
