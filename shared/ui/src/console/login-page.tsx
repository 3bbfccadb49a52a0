/**
 * The console's login page (/login): name and password posted as JSON to POST /login.
 * A refused login shows one message whatever was wrong (unknown name or wrong password),
 * a slowed-down one (429) says when to try again (Retry-After). After a login the browser
 * loads `?next=` (a path on this site only) or the dashboard, so the shell reads the new
 * session. (Logging out is the shell's header button.)
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorLine, Field } from './widgets.js';

const REFUSED = 'Unknown name or wrong password.';

/** Where to go after logging in: a same-site path from ?next=, else "/". */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') && !next.startsWith('/login') ? next : '/';
}

async function refusal(res: Response): Promise<string> {
  if (res.status === 401 || res.status === 403) return REFUSED;
  if (res.status === 429) {
    const after = Number(res.headers.get('Retry-After') ?? '');
    return `Too many failed logins. Try again in ${Number.isFinite(after) && after > 0 ? Math.ceil(after) : 'a few'} s.`;
  }
  try {
    const body = (await res.json()) as { message?: string };
    if (body.message) return body.message;
  } catch {
    // not JSON
  }
  return `Login failed (HTTP ${res.status}).`;
}

export function LoginPage(): JSX.Element {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const res = await fetch('/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name, password }),
        credentials: 'same-origin',
      });
      if (res.ok) {
        window.location.assign(nextPath(window.location.search));
        return;
      }
      setError(await refusal(res));
    } catch {
      setError('The console cannot be reached; check the connection and try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="console-page login">
      <h1>Coffer console</h1>
      <form onSubmit={(e) => void submit(e)} aria-label="Log in" method="post" action="/login">
        <Field label="Name" name="name" value={name} onInput={setName} required autoComplete="username" />
        <Field label="Password" name="password" type="password" value={password} onInput={setPassword} required autoComplete="current-password" />
        <ErrorLine text={error} />
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
    </div>
  );
}
