/**
 * A running `coffer at <store> ui --no-browser` for the benchmark, and a client for it:
 * the printed URL exchanged for the cookie, Connect calls (timed to the last byte of the
 * answer) and downloads read as fast as they come and thrown away (bytes counted). Stops
 * the viewer with SIGINT (SIGKILL after 10 s).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnCoffer, type RunningCoffer } from '@coffer/test/helpers/cli.js';
import { BenchError } from '../errors.js';

const URL_LINE = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m;

export interface Viewer {
  readonly proc: RunningCoffer;
  readonly pid: number;
  /** ms from the spawn to the printed URL (store opened, index loaded). */
  readonly startMs: number;
  /** A Connect call; its answer (JSON) and the ms to its last byte. */
  call(method: string, body: object): Promise<{ ms: number; json: Record<string, unknown> }>;
  /** GETs `path` and discards the body; bytes and ms to its last byte. */
  download(path: string): Promise<{ ms: number; bytes: number }>;
  stop(): Promise<void>;
}

function get(origin: string, path: string, headers: Record<string, string>): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => http.get(`${origin}${path}`, { headers }, resolve).on('error', reject));
}

async function drain(res: http.IncomingMessage): Promise<number> {
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) n += c.length;
  return n;
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
  const signIn = await get(url.origin, `/${url.search}`, {});
  await drain(signIn);
  const cookie = (signIn.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  const session = await get(url.origin, '/session', { cookie });
  const chunks: Buffer[] = [];
  for await (const c of session as AsyncIterable<Buffer>) chunks.push(c);
  const csrf = (JSON.parse(Buffer.concat(chunks).toString()) as { csrfToken?: string }).csrfToken ?? '';
  return {
    proc,
    pid: proc.child.pid,
    startMs,
    call: (method, body) =>
      new Promise((resolve, reject) => {
        const t = performance.now();
        const req = http.request(`${url.origin}/coffer.v1.StoreService/${method}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            const ms = performance.now() - t;
            const text = Buffer.concat(parts).toString();
            if (res.statusCode !== 200) reject(new BenchError(`${method} answered ${res.statusCode}: ${text.slice(0, 300)}`));
            else resolve({ ms, json: JSON.parse(text) as Record<string, unknown> });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      }),
    async download(path) {
      const t = performance.now();
      const res = await get(url.origin, path, { cookie });
      if (res.statusCode !== 200) throw new BenchError(`GET ${path.split('?')[0] ?? ''} answered ${res.statusCode}`);
      const bytes = await drain(res);
      return { ms: performance.now() - t, bytes };
    },
    async stop() {
      proc.child.kill('SIGINT');
      for (let i = 0; i < 100 && !proc.exited(); i++) await sleep(100);
      if (!proc.exited()) proc.child.kill('SIGKILL');
      await proc.done;
    },
  };
}
