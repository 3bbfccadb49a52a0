/**
 * Reads `GET /session`. 200 → the session (its CSRF token is installed into the API client);
 * 401 → no session, with the home when the server names it (`{"home": …}` beside code and
 * message), so the shell can show the local viewer's "open the printed URL" page or go to
 * the console's /login. Anything else is an ApiError.
 */
import { ApiError, setCsrfToken } from './api/connect.js';
import type { Home, SessionInfo } from './router-types.js';

export type SessionState = { kind: 'session'; session: SessionInfo } | { kind: 'none'; home?: Home };

function isHome(v: unknown): v is Home {
  return v === 'local' || v === 'console';
}

export async function loadSession(): Promise<SessionState> {
  let res: Response;
  try {
    res = await fetch('/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new ApiError('unavailable', `cannot reach the server (${e instanceof Error ? e.message : String(e)})`);
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.status === 401) return { kind: 'none', home: isHome(body?.home) ? body.home : undefined };
  if (!res.ok || !body || !isHome(body.home)) {
    throw new ApiError(typeof body?.code === 'string' ? body.code : 'unknown', typeof body?.message === 'string' ? body.message : `GET /session answered HTTP ${res.status}`);
  }
  const s = body as unknown as SessionInfo;
  setCsrfToken(s.csrfToken);
  return { kind: 'session', session: { ...s, stores: Array.isArray(s.stores) ? s.stores : [] } };
}

/** Ends a console session (POST /logout with the CSRF token). */
export async function logout(csrfToken: string): Promise<void> {
  await fetch('/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrfToken } }).catch(() => undefined);
}
