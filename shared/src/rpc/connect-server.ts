/**
 * Serves transport-neutral services (service.ts) to browsers over the Connect protocol
 * with the JSON codec (connectrpc.com/docs/protocol), on a plain node:http(s) server:
 *  - unary: `POST /<package.Service>/<Method>`, `Content-Type: application/json`, the
 *    request as proto3 JSON; the answer is the response as JSON (200) or a Connect error
 *    `{"code":"not_found","message":"…"}` with the HTTP status the protocol assigns;
 *  - server streaming: `Content-Type: application/connect+json`; request and every
 *    response are enveloped (1 flag byte, 4-byte big-endian length, JSON); the stream ends
 *    with an end-stream envelope (flag 0x02) holding `{}` or `{"error":{…}}`.
 * Guarantees: the request body is bounded (`maxBodyBytes`: a larger Content-Length is
 * refused before a byte is read, a longer body as soon as it passes the bound, 413 and the
 * connection closed); `authenticate` runs before anything is decoded and `authorize` before
 * the handler; a body that is not a JSON object, or that the message type cannot take, is
 * INVALID_ARGUMENT; a wrong Content-Type is 415 and another HTTP method 405; the handler's
 * signal aborts when the client goes away (nothing more is written or logged then); a
 * streamed response waits for the socket to drain (bounded memory); a response a handler
 * left partial is completed with defaults (`fromPartial`); errors are one line,
 * unexpected ones reported as INTERNAL without details.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status } from '@grpc/grpc-js';
import { writeDrained } from './drain.js';
import { RpcError, toRpcError } from './errors.js';
import type { CallContext, MethodDefinition, Principal, ServiceDefinition } from './service.js';

/** A service and its implementation, keyed by the generated camelCase method names. */
export interface ServiceBinding {
  readonly def: ServiceDefinition;
  readonly impl: object;
}

export interface ConnectOptions {
  readonly services: readonly ServiceBinding[];
  /** Who calls (session cookie, token); throws RpcError UNAUTHENTICATED to refuse. */
  authenticate(req: IncomingMessage): Promise<Principal | undefined>;
  /** Throws RpcError PERMISSION_DENIED when `principal` may not call `path` (/pkg.Service/Method). */
  authorize?(path: string, principal: Principal | undefined, req: IncomingMessage): void;
  /** Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Unexpected errors (not RpcError/CofferError), for the server's log. */
  onInternalError?(path: string, err: unknown): void;
}

interface Route {
  readonly method: MethodDefinition;
  readonly handler: (req: unknown, ctx: CallContext) => unknown;
}

const CODE_NAMES: Record<number, string> = {
  [status.CANCELLED]: 'canceled',
  [status.UNKNOWN]: 'unknown',
  [status.INVALID_ARGUMENT]: 'invalid_argument',
  [status.DEADLINE_EXCEEDED]: 'deadline_exceeded',
  [status.NOT_FOUND]: 'not_found',
  [status.ALREADY_EXISTS]: 'already_exists',
  [status.PERMISSION_DENIED]: 'permission_denied',
  [status.RESOURCE_EXHAUSTED]: 'resource_exhausted',
  [status.FAILED_PRECONDITION]: 'failed_precondition',
  [status.ABORTED]: 'aborted',
  [status.OUT_OF_RANGE]: 'out_of_range',
  [status.UNIMPLEMENTED]: 'unimplemented',
  [status.INTERNAL]: 'internal',
  [status.UNAVAILABLE]: 'unavailable',
  [status.DATA_LOSS]: 'data_loss',
  [status.UNAUTHENTICATED]: 'unauthenticated',
};

const HTTP_STATUS: Record<number, number> = {
  [status.CANCELLED]: 499,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 400,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.UNAVAILABLE]: 503,
  [status.UNAUTHENTICATED]: 401,
};

/** The Connect error body of `e`. */
export function connectError(e: RpcError): { code: string; message: string } {
  return { code: CODE_NAMES[e.code] ?? 'unknown', message: e.message };
}

/** The HTTP status Connect gives a unary error of code `code`. */
export function connectHttpStatus(code: number): number {
  return HTTP_STATUS[code] ?? 500;
}

function routes(services: readonly ServiceBinding[]): Map<string, Route> {
  const m = new Map<string, Route>();
  for (const s of services) {
    for (const [key, method] of Object.entries(s.def.methods)) {
      const fn = (s.impl as Record<string, unknown>)[key];
      if (typeof fn !== 'function') continue;
      m.set(`/${s.def.fullName}/${method.name}`, { method, handler: (fn as (req: unknown, ctx: CallContext) => unknown).bind(s.impl) });
    }
  }
  return m;
}

/** A refusal at the HTTP level (wrong method, type or size) with its own status. */
class HttpRefusal extends RpcError {
  constructor(
    readonly httpStatus: number,
    code: status,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message);
  }
}

function tooLarge(max: number): HttpRefusal {
  return new HttpRefusal(413, status.RESOURCE_EXHAUSTED, `request body over ${max} bytes; send a smaller request`, { connection: 'close' });
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw tooLarge(max);
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw tooLarge(max);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** The proto3 JSON of a response; fields a handler left out are at their defaults. */
function toJson(method: MethodDefinition, message: unknown): unknown {
  return method.responseType.toJSON(method.responseType.fromPartial(message ?? {}));
}

function envelope(flags: number, json: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

function parseJson(text: string): object {
  let v: unknown;
  try {
    v = text === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    throw new RpcError(status.INVALID_ARGUMENT, 'the request body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RpcError(status.INVALID_ARGUMENT, 'the request body must be a JSON object (the request message)');
  return v;
}

function decode(method: MethodDefinition, json: object): unknown {
  try {
    return method.requestType.fromJSON(json);
  } catch {
    throw new RpcError(status.INVALID_ARGUMENT, `the request is not a valid ${method.name} request (proto3 JSON with camelCase fields)`);
  }
}

function unwrapEnvelope(body: Buffer): string {
  if (body.length < 5) throw new RpcError(status.INVALID_ARGUMENT, 'streaming request: missing envelope');
  const len = body.readUInt32BE(1);
  if ((body[0] ?? 0) !== 0 || len !== body.length - 5) throw new RpcError(status.INVALID_ARGUMENT, 'streaming request: bad envelope');
  return body.subarray(5).toString('utf8');
}

/**
 * A request listener for the services' paths: answers and returns true for a path of one
 * of them, returns false (having sent nothing) for any other path.
 */
export function createConnectHandler(opts: ConnectOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const table = routes(opts.services);
  const max = opts.maxBodyBytes ?? 1 << 20;
  const fail = (path: string, err: unknown): RpcError => {
    const e = toRpcError(err);
    if (e.code === status.INTERNAL && !(err instanceof RpcError)) opts.onInternalError?.(path, err);
    return e;
  };
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const route = table.get(path);
    if (!route) return false;
    const streaming = route.method.responseStream;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const sendError = (e: RpcError): void => {
      if (res.headersSent) {
        if (streaming) res.end(envelope(2, { error: connectError(e) }));
        else res.destroy();
        return;
      }
      const head = e instanceof HttpRefusal ? { ...e.headers } : {};
      res.writeHead(e instanceof HttpRefusal ? e.httpStatus : connectHttpStatus(e.code), { ...head, 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(connectError(e)));
    };
    try {
      if (req.method !== 'POST') throw new HttpRefusal(405, status.UNIMPLEMENTED, `${path}: use POST`, { allow: 'POST' });
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      const want = streaming ? 'application/connect+json' : 'application/json';
      if (type !== want) throw new HttpRefusal(415, status.INVALID_ARGUMENT, `${path}: send Content-Type ${want}`);
      const principal = await opts.authenticate(req);
      opts.authorize?.(path, principal, req);
      const body = await readBody(req, max);
      const request = decode(route.method, parseJson(streaming ? unwrapEnvelope(body) : body.toString('utf8')));
      const ctx: CallContext = { signal: ac.signal, ...(principal ? { principal } : {}) };
      if (!streaming) {
        const out = await (route.handler(request, ctx) as Promise<unknown>);
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(toJson(route.method, out)));
        return true;
      }
      res.writeHead(200, { 'content-type': 'application/connect+json', 'cache-control': 'no-store' });
      for await (const m of route.handler(request, ctx) as AsyncIterable<unknown>) {
        if (ac.signal.aborted) break;
        await writeDrained(res, envelope(0, toJson(route.method, m)));
      }
      if (!ac.signal.aborted) res.end(envelope(2, {}));
    } catch (err) {
      // A client that went away gets nothing more, and its going is no server error.
      if (!ac.signal.aborted) sendError(fail(path, err));
    }
    return true;
  };
}
