/**
 * A small Connect-protocol client over fetch (JSON codec): unary calls are one JSON POST;
 * server-streaming calls send one enveloped request and read enveloped messages from the
 * response body with a ReadableStream reader until the end-of-stream envelope.
 * Guarantees: every POST carries `X-CSRF-Token` (set by the shell from /session) and
 * same-origin credentials; every failure rejects with an `ApiError` {code, message} (network
 * failures as "unavailable", malformed answers as "internal"); a 401 also notifies the
 * shell (`onUnauthenticated`) so it can send the user to the right page. No generated runtime
 * code is imported (only types), so the bundle never pulls grpc-js.
 */
import type { ApiErrorShape, ServiceName } from '../router-types.js';

export class ApiError extends Error implements ApiErrorShape {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

let csrfToken = '';
let unauthenticated: () => void = () => undefined;

/** Sets the CSRF token sent on every call (from /session). */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Registers what runs when any call answers 401. */
export function onUnauthenticated(fn: () => void): void {
  unauthenticated = fn;
}

function asApiError(body: unknown, httpStatus: number): ApiError {
  const b = body as Partial<ApiErrorShape> | null;
  if (b && typeof b.code === 'string') return new ApiError(b.code, typeof b.message === 'string' ? b.message : b.code);
  return new ApiError(httpStatus === 404 ? 'not_found' : 'unknown', `the server answered HTTP ${httpStatus}`);
}

async function post(path: string, contentType: string, body: BodyInit, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': contentType, 'X-CSRF-Token': csrfToken, 'Connect-Protocol-Version': '1' },
      body,
      signal,
    });
  } catch (e) {
    if (signal?.aborted) throw new ApiError('canceled', 'the request was canceled');
    throw new ApiError('unavailable', `cannot reach the server (${e instanceof Error ? e.message : String(e)})`);
  }
  if (res.status === 401) unauthenticated();
  return res;
}

async function readError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    return asApiError(JSON.parse(text), res.status);
  } catch {
    return asApiError(null, res.status);
  }
}

/** A unary call: the response message as proto3 JSON (fields at their default are absent). */
export async function call<Res>(service: ServiceName, method: string, req: object, signal?: AbortSignal): Promise<Res> {
  const res = await post(`/${service}/${method}`, 'application/json', JSON.stringify(req), signal);
  if (!res.ok) throw await readError(res);
  try {
    return (await res.json()) as Res;
  } catch {
    throw new ApiError('internal', `${method}: the server's answer is not JSON`);
  }
}

function envelope(json: unknown): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(5 + body.length);
  new DataView(out.buffer).setUint32(1, body.length);
  out.set(body, 5);
  return out;
}

/** Splits a byte stream into Connect envelopes (flags, JSON payload). */
async function* envelopes(body: ReadableStream<Uint8Array>): AsyncGenerator<{ flags: number; json: unknown }> {
  const reader = body.getReader();
  let buf = new Uint8Array(0);
  const decoder = new TextDecoder();
  try {
    for (;;) {
      while (buf.length >= 5) {
        const len = new DataView(buf.buffer, buf.byteOffset, buf.length).getUint32(1);
        if (buf.length < 5 + len) break;
        const flags = buf[0] ?? 0;
        const text = decoder.decode(buf.subarray(5, 5 + len));
        buf = buf.slice(5 + len);
        yield { flags, json: JSON.parse(text) as unknown };
      }
      const { done, value } = await reader.read();
      if (done) break;
      const next = new Uint8Array(buf.length + value.length);
      next.set(buf);
      next.set(value, buf.length);
      buf = next;
    }
  } finally {
    reader.releaseLock();
  }
  if (buf.length > 0) throw new ApiError('internal', 'the stream ended inside a message');
}

/** A server-streaming call: yields each response message; throws the stream's error. */
export async function* stream<Res>(service: ServiceName, method: string, req: object, signal?: AbortSignal): AsyncGenerator<Res> {
  const res = await post(`/${service}/${method}`, 'application/connect+json', envelope(req) as BodyInit, signal);
  if (!res.ok || !res.body) throw await readError(res);
  let ended = false;
  try {
    for await (const e of envelopes(res.body)) {
      if (e.flags & 0x02) {
        ended = true;
        const err = (e.json as { error?: unknown } | null)?.error;
        if (err) throw asApiError(err, 200);
        return;
      }
      yield e.json as Res;
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (signal?.aborted) throw new ApiError('canceled', 'the request was canceled');
    throw new ApiError('unavailable', `${method}: the stream broke (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!ended) throw new ApiError('unavailable', `${method}: the stream ended without its end message`);
}
