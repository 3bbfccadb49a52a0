/**
 * The views' shared status blocks: a loading line (announced politely), an API error as a
 * clear one-line message (role=alert), and the not-found page that unknown stores,
 * snapshots, paths and URLs lead to. Text only; nothing is ever rendered as HTML.
 */
import type { ComponentChildren, JSX } from 'preact';
import type { ApiError } from '../api/connect.js';
import { Link } from '../router.js';
import type { Loaded } from './use-api.js';

export function Loading({ what }: { what: string }): JSX.Element {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function NotFound({ what }: { what?: string }): JSX.Element {
  return (
    <section class="notfound" aria-labelledby="nf-title">
      <h1 id="nf-title">Not found</h1>
      <p>{what ?? 'There is no page at this address.'}</p>
      <p>
        <Link href="/">Go to the start page</Link>
      </p>
    </section>
  );
}

const CODE_TEXT: Record<string, string> = {
  permission_denied: 'Not allowed',
  unavailable: 'The server or the store is unreachable',
  data_loss: 'The store is damaged here',
  invalid_argument: 'Bad request',
  unimplemented: 'Not available here',
  unauthenticated: 'Not signed in',
};

export function ErrorBox({ error }: { error: ApiError }): JSX.Element {
  return (
    <div class="error" role="alert">
      <strong>{CODE_TEXT[error.code] ?? 'Error'}:</strong> {error.message}
    </div>
  );
}

/** Renders `children(data)` once loaded; a loading line or the error (not_found → NotFound) before. */
export function Await<T>({ st, what, children }: { st: Loaded<T>; what: string; children: (data: T) => ComponentChildren }): JSX.Element {
  if (st.state === 'loading') return <Loading what={what} />;
  if (st.state === 'error') return st.error.code === 'not_found' ? <NotFound what={st.error.message} /> : <ErrorBox error={st.error} />;
  return <>{children(st.data)}</>;
}
