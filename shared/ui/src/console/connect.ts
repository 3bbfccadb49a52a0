/**
 * A minimal Connect protocol client (unary JSON and server-streaming connect+json) for
 * the console until the shell's client is merged. Every POST carries the session's CSRF
 * token (`setCsrfToken`). Errors become `ApiError`; HTTP 401 also calls the handler set
 * with `onUnauthenticated` (the shell sends the browser to /login).
 */
import { ApiError } from './api-error.js';

let csrf = '';
let unauthenticated: () => void = () => undefined;

export function setCsrfToken(token: string): void {
  csrf = token;
}

export function onUnauthenticated(fn: () => void): void {
  unauthenticated = fn;
}

async function failure(res: Response): Promise<ApiError> {
  if (res.status === 401) unauthenticated();
  let body: { code?: string; message?: string } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON: the status says enough
  }
  return new ApiError(body.code ?? `http_${res.status}`, body.message ?? `the console answered HTTP ${res.status}`);
}

/** POSTs `body` as JSON; the parsed answer, or throws ApiError. */
export async function connectUnary(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Connect-Protocol-Version': '1', 'X-CSRF-Token': csrf },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    ...(signal ? { signal } : {}),
  });
  if (!res.ok) throw await failure(res);
  return res.json();
}

function envelope(json: unknown): Uint8Array<ArrayBuffer> {
  const data = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(5 + data.length);
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
}

/** Opens a server stream; yields each message's JSON; throws ApiError on an error end. */
export async function* connectStream(path: string, body: unknown, signal: AbortSignal): AsyncGenerator<unknown> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/connect+json', 'Connect-Protocol-Version': '1', 'X-CSRF-Token': csrf },
    body: envelope(body),
    credentials: 'same-origin',
    signal,
  });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.getReader();
  let buf = new Uint8Array(0);
  for (;;) {
    while (buf.length >= 5) {
      const len = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
      if (buf.length < 5 + len) break;
      const flags = buf[0] ?? 0;
      const json: unknown = JSON.parse(new TextDecoder().decode(buf.subarray(5, 5 + len)));
      buf = buf.slice(5 + len);
      if ((flags & 0x02) === 0) {
        yield json;
        continue;
      }
      const err = (json as { error?: { code?: string; message?: string } }).error;
      if (err) throw new ApiError(err.code ?? 'unknown', err.message ?? 'the stream failed');
      return;
    }
    const { done, value } = await reader.read();
    if (done) return;
    const next = new Uint8Array(buf.length + value.length);
    next.set(buf);
    next.set(value, buf.length);
    buf = next;
  }
}
