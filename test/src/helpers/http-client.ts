/**
 * A small HTTP client for tests of the web side (Connect calls, downloads, headers): one
 * request with node:http(s), the whole answer buffered (bounded), and the Connect envelope
 * format (1 flag byte, 4-byte big-endian length, JSON). No retries, no redirects followed.
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Answers larger than this fail the request (tests never need more). */
const MAX_ANSWER = 2 * 1024 * 1024 * 1024;

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer | readonly (string | Buffer)[];
  /** TLS certificates are not checked (a test's own certificate). */
  readonly insecure?: boolean;
  /** The request target sent as is (`/assets/../x`), not normalized as a URL would be. */
  readonly rawPath?: string;
}

/** One request: `body` as a whole, or as parts written one by one (chunked when the headers say so). */
export function request(url: string, opts: RequestOptions = {}): Promise<HttpAnswer> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const target = { protocol: u.protocol, hostname: u.hostname, port: u.port, path: opts.rawPath ?? `${u.pathname}${u.search}` };
    const req = mod.request({ ...target, method: opts.method ?? 'GET', headers: opts.headers ?? {}, ...(opts.insecure ? { rejectUnauthorized: false } : {}) }, (res) => {
      const parts: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > MAX_ANSWER) req.destroy(new Error(`answer of ${url} over ${MAX_ANSWER} bytes`));
        else parts.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const b = opts.body;
    if (Array.isArray(b)) {
      for (const part of b as readonly (string | Buffer)[]) req.write(part);
      req.end();
    } else req.end(b as string | Buffer | undefined);
  });
}

/** A POST (or `method`) with these headers and body. */
export function post(url: string, headers: Record<string, string>, body?: string | Buffer | readonly (string | Buffer)[], method = 'POST'): Promise<HttpAnswer> {
  return request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
}

/** A Connect envelope (flags 0) holding `json`. */
export function envelopeOf(json: unknown, flags = 0): Buffer {
  const body = Buffer.from(JSON.stringify(json));
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** The envelopes of a streamed Connect answer; throws on a truncated one. */
export function parseEnvelopes(buf: Buffer): { flags: number; json: unknown }[] {
  const out: { flags: number; json: unknown }[] = [];
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < 5) throw new Error('truncated envelope header');
    const len = buf.readUInt32BE(at + 1);
    if (buf.length - at - 5 < len) throw new Error('truncated envelope');
    out.push({ flags: buf[at] ?? 0, json: JSON.parse(buf.subarray(at + 5, at + 5 + len).toString('utf8')) as unknown });
    at += 5 + len;
  }
  return out;
}

/** Polls `cond` every 100 ms, at most `attempts` times; whether it became true. */
export async function waitFor(cond: () => boolean, attempts: number): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (cond()) return true;
    await sleep(100);
  }
  return cond();
}
