/**
 * Console sessions and login throttling on a manual clock: session ids are random, kept
 * only as digests, end after the idle time, at logout and for a user whose password
 * changed; CSRF tokens are per session and not the cookie; failed logins lock a name and
 * an address for 1 s, 2 s, 4 s … 30 s from the third failure, unknown names alike.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '@coffer/shared/clock.js';
import { LoginThrottle } from '@coffer/controller/web/login-throttle.js';
import { SessionStore } from '@coffer/controller/web/sessions.js';

describe('console sessions', () => {
  it('gives each session a random id and a CSRF token that is not the id', () => {
    const s = new SessionStore(new ManualClock(0), 60_000);
    const a = s.create('ada');
    const b = s.create('ada');
    assert.notEqual(a.id, b.id);
    assert.match(a.id, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.session.csrfToken, a.id);
    assert.notEqual(a.session.csrfToken, b.session.csrfToken);
    assert.equal(s.get(a.id)?.csrfToken, a.session.csrfToken, 'the token stays the same for the session');
    assert.equal(s.get('not a session'), undefined);
    assert.ok(!JSON.stringify([...(s as unknown as { byDigest: Map<string, unknown> }).byDigest.keys()]).includes(a.id), 'only digests are kept');
  });

  it('ends a session idle longer than the limit, and keeps one in use', () => {
    const clock = new ManualClock(0);
    const s = new SessionStore(clock, 60_000);
    const used = s.create('ada').id;
    const idle = s.create('bob').id;
    for (let i = 0; i < 5; i++) {
      clock.advance(30_000);
      assert.ok(s.get(used), `in use after ${(i + 1) * 30} s`);
    }
    assert.equal(s.get(idle), undefined, 'idle for 150 s');
    assert.equal(s.get(idle), undefined);
  });

  it('ends one session at logout and every session of a user on demand', () => {
    const s = new SessionStore(new ManualClock(0), 60_000);
    const a1 = s.create('ada').id;
    const a2 = s.create('ada').id;
    const b = s.create('bob').id;
    assert.equal(s.end(a1), true);
    assert.equal(s.get(a1), undefined);
    assert.equal(s.endUser('ada'), 1);
    assert.equal(s.get(a2), undefined);
    assert.ok(s.get(b));
  });

  it('keeps at most the configured number of sessions, dropping the least recently used', () => {
    const s = new SessionStore(new ManualClock(0), 60_000, 3);
    const ids = [1, 2, 3].map((i) => s.create(`u${i}`).id);
    s.get(ids[0] ?? '');
    s.create('u4');
    assert.equal(s.size, 3);
    assert.ok(s.get(ids[0] ?? ''), 'used recently: kept');
    assert.equal(s.get(ids[1] ?? ''), undefined, 'least recently used: dropped');
  });
});

describe('login throttle', () => {
  it('locks a name from the third failure, doubling up to 30 s, and a success clears it', () => {
    const clock = new ManualClock(0);
    const t = new LoginThrottle(clock);
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      t.failed('ada', `10.0.0.${i}`);
      waits.push(t.retryAfterMs('ada', '10.0.0.99'));
      clock.advance(waits.at(-1) ?? 0);
    }
    assert.deepEqual(waits, [0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    t.succeeded('ada');
    assert.equal(t.retryAfterMs('ada', '10.0.0.99'), 0);
  });

  it('locks an address that tries many names, and treats unknown names like known ones', () => {
    const t = new LoginThrottle(new ManualClock(0));
    for (const name of ['ada', 'nobody', 'root']) t.failed(name, '10.1.1.1');
    assert.equal(t.retryAfterMs('someone-else', '10.1.1.1'), 1000);
    assert.equal(t.retryAfterMs('someone-else', '10.1.1.2'), 0);
  });

  it('forgets failures a quarter of an hour after the last', () => {
    const clock = new ManualClock(0);
    const t = new LoginThrottle(clock);
    for (let i = 0; i < 3; i++) t.failed('ada', 'a');
    clock.advance(16 * 60_000);
    t.failed('ada', 'a');
    assert.equal(t.retryAfterMs('ada', 'b'), 0, 'the count started again');
  });
});
