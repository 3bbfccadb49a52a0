/**
 * A browser's part in the console's e2e tests, over real HTTPS checked against the
 * controller's CA: a cookie jar of one cookie (`coffer_session`), the CSRF token from
 * /session, the page's Origin on every POST (a test may change or drop each), Connect
 * unary calls as JSON and streamed calls as envelopes. Every answer is buffered whole.
 */
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { envelopeOf, parseEnvelopes } from '../helpers/http-client.js';

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body as JSON (undefined when it is not). */
  readonly json: Record<string, unknown> | undefined;
}

export interface PostOptions {
  /** Default: the session's token; '' sends none. */
  readonly csrf?: string;
  /** Default: the console's own origin; '' sends none. */
  readonly origin?: string;
}

export class ConsoleClient {
  cookie = '';
  csrf = '';

  constructor(
    /** https://127.0.0.1:PORT */
    readonly base: string,
    private readonly caPem: string,
  ) {}

  request(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
    const u = new URL(path, this.base);
    return new Promise((resolve, reject) => {
      const req = https.request(
        { hostname: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, ca: this.caPem, headers: { ...(this.cookie ? { cookie: `coffer_session=${this.cookie}` } : {}), ...headers } },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            const b = Buffer.concat(parts);
            let json: Record<string, unknown> | undefined;
            try {
              json = JSON.parse(b.toString('utf8')) as Record<string, unknown>;
            } catch {
              json = undefined;
            }
            const set = res.headers['set-cookie']?.find((c) => c.startsWith('coffer_session='));
            if (set) this.cookie = /^coffer_session=([^;]*)/.exec(set)?.[1] ?? '';
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  private postHeaders(type: string, o: PostOptions): Record<string, string> {
    const csrf = o.csrf ?? this.csrf;
    const origin = o.origin ?? this.base;
    return { 'content-type': type, ...(csrf ? { 'x-csrf-token': csrf } : {}), ...(origin ? { origin } : {}) };
  }

  /** POST /login; on success the cookie is kept and the CSRF token read from /session. */
  async login(name: string, password: string, o: PostOptions = {}): Promise<Answer> {
    const a = await this.request('POST', '/login', this.postHeaders('application/json', { csrf: '', ...o }), JSON.stringify({ name, password }));
    if (a.status === 200) {
      const s = await this.request('GET', '/session');
      this.csrf = typeof s.json?.csrfToken === 'string' ? s.json.csrfToken : '';
    }
    return a;
  }

  logout(o: PostOptions = {}): Promise<Answer> {
    return this.request('POST', '/logout', this.postHeaders('application/json', o));
  }

  /** A unary Connect call. */
  call(service: 'ControllerService' | 'StoreService', method: string, body: unknown, o: PostOptions = {}): Promise<Answer> {
    return this.request('POST', `/coffer.v1.${service}/${method}`, this.postHeaders('application/json', o), JSON.stringify(body));
  }

  /** A server-streaming Connect call: the messages, and the end-of-stream error if any. */
  async stream(service: 'ControllerService' | 'StoreService', method: string, body: unknown, o: PostOptions = {}): Promise<{ status: number; messages: Record<string, unknown>[]; error: Record<string, unknown> | undefined; json: Record<string, unknown> | undefined }> {
    const a = await this.request('POST', `/coffer.v1.${service}/${method}`, this.postHeaders('application/connect+json', o), envelopeOf(body));
    if (a.status !== 200) return { status: a.status, messages: [], error: undefined, json: a.json };
    const all = parseEnvelopes(a.body);
    const end = all.find((e) => (e.flags & 2) !== 0)?.json as { error?: Record<string, unknown> } | undefined;
    return { status: a.status, messages: all.filter((e) => (e.flags & 2) === 0).map((e) => e.json as Record<string, unknown>), error: end?.error, json: undefined };
  }
}
