/**
 * The local viewer's cookie is named per launch: two `coffer at S ui` processes on
 * 127.0.0.1 (different ports, one browser) keep their own cookies, since browsers do not
 * keep cookies apart by port; each viewer accepts only its own.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalAuth } from '@coffer/shared/web/auth.js';

/** The Set-Cookie a token exchange answers (a recording response). */
async function signIn(auth: ReturnType<typeof createLocalAuth>): Promise<string> {
  let headers: Record<string, string> = {};
  const res = { writeHead: (_s: number, h: Record<string, string>) => (headers = h), end: () => undefined } as unknown as ServerResponse;
  const req = { method: 'GET', headers: {} } as IncomingMessage;
  assert.equal(await auth.routes(req, res, new URL(`http://127.0.0.1/?token=${auth.token}`)), true);
  return (headers['Set-Cookie'] ?? '').split(';')[0] ?? '';
}

describe('web: the local viewer cookie', () => {
  it('is named per launch, and each viewer accepts only its own', async () => {
    const a = createLocalAuth({ store: 'a', user: 'me', secure: false });
    const b = createLocalAuth({ store: 'b', user: 'me', secure: false });
    const ca = await signIn(a);
    const cb = await signIn(b);
    const name = (c: string): string => c.split('=')[0] ?? '';
    assert.match(name(ca), /^coffer_ui_[0-9a-f]{12}$/);
    assert.notEqual(name(ca), name(cb));
    const both = { headers: { cookie: `${ca}; ${cb}` } } as IncomingMessage;
    assert.ok(await a.session(both));
    assert.ok(await b.session(both));
    assert.equal(await a.session({ headers: { cookie: cb } } as IncomingMessage), undefined);
  });
});
