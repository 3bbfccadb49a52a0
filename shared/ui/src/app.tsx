/**
 * The app shell: reads the session, then renders the header (home, navigation, user), a skip
 * link, and the page the router matches. Without a session: a `public` route renders anyway
 * (the console's /login); the console sends everything else to /login?next=<path>; the local
 * viewer shows how to get in (open the URL `coffer at <store> ui` printed). Any 401 from a
 * call reloads the session, so an expired session lands on the same pages.
 */
import type { JSX } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, call, onUnauthenticated, stream } from './api/connect.js';
import { ErrorBox, Loading, NotFound } from './components/status.js';
import { consoleRoutes } from './console/routes.js';
import { Link, matchRoute, navigate, takeFocusRequest, useLocation } from './router.js';
import type { AppServices, Home, Role, RouteDef, SessionInfo } from './router-types.js';
import { storeRoutes } from './routes.js';
import { loadSession, logout, type SessionState } from './session.js';
import { NoSession } from './views/no-session.js';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };


function routesFor(home: Home | undefined): readonly RouteDef[] {
  return home === 'local' ? storeRoutes('local') : [...consoleRoutes, ...storeRoutes('console')];
}

function Header({ session, routes }: { session: SessionInfo; routes: readonly RouteDef[] }): JSX.Element {
  const nav =
    session.home === 'local'
      ? []
      : routes.filter((r) => r.nav && RANK[session.user.role] >= RANK[r.minRole ?? 'viewer']).map((r) => ({ href: r.path, label: r.nav ?? '' }));
  const onLogout = (): void => {
    void logout(session.csrfToken).then(() => window.location.assign('/login'));
  };
  return (
    <header class="top">
      <Link href="/" class="brand">
        Coffer
      </Link>
      <span class="home">{session.home === 'local' ? 'Local viewer' : 'Fleet console'}</span>
      {nav.length > 0 ? (
      <nav aria-label="Main">
        <ul>
          {nav.map((r) => (
            <li key={r.href}>
              <Link href={r.href}>{r.label}</Link>
            </li>
          ))}
        </ul>
      </nav>
      ) : null}
      <span class="user">
        {session.user.name ? `${session.user.name} (${session.user.role})` : null}
        {session.home === 'console' ? (
          <button type="button" class="link" onClick={onLogout}>
            Log out
          </button>
        ) : null}
      </span>
    </header>
  );
}

export function App(): JSX.Element {
  const [st, setSt] = useState<SessionState | 'loading' | ApiError>('loading');
  const loc = useLocation();
  const reloadSession = useCallback(async (): Promise<void> => {
    try {
      setSt(await loadSession());
    } catch (e) {
      setSt(e instanceof ApiError ? e : new ApiError('unknown', String(e)));
    }
  }, []);
  useEffect(() => {
    onUnauthenticated(() => void reloadSession());
    void reloadSession();
  }, [reloadSession]);
  const app: AppServices = useMemo(() => ({ call, stream, navigate, reloadSession }), [reloadSession]);

  const home = typeof st === 'object' && 'kind' in st ? (st.kind === 'session' ? st.session.home : st.home) : undefined;
  const routes = routesFor(home);
  const m = matchRoute(routes, loc.pathname);
  const session = typeof st === 'object' && 'kind' in st && st.kind === 'session' ? st.session : null;
  const needsLogin = st !== 'loading' && !(st instanceof ApiError) && !session && !m?.route.public && home === 'console';
  useEffect(() => {
    document.title = `${m?.route.title ?? 'Not found'} · Coffer`;
  }, [m?.route.title]);
  // After an in-app navigation, focus goes to the page's content (as a page load would
  // put it at the top), so keyboard and screen-reader users start from the new page.
  useEffect(() => {
    if (takeFocusRequest()) document.getElementById('main')?.focus({ preventScroll: true });
  }, [loc.pathname, loc.search]);
  useEffect(() => {
    if (needsLogin) navigate(`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`, { replace: true });
  }, [needsLogin, loc.pathname, loc.search]);

  let body: JSX.Element;
  if (st === 'loading') body = <Loading what="the session" />;
  else if (st instanceof ApiError) body = <ErrorBox error={st} />;
  else if (!session && !m?.route.public) body = needsLogin ? <Loading what="the login page" /> : <NoSession home={home} />;
  else if (!m) body = <NotFound />;
  else {
    const Page = m.route.page;
    body = <Page params={m.params} query={new URLSearchParams(loc.search)} session={session} app={app} />;
  }
  return (
    <>
      <a href="#main" class="skip">
        Skip to content
      </a>
      {session ? <Header session={session} routes={routes} /> : null}
      <main id="main" tabIndex={-1}>
        {body}
      </main>
    </>
  );
}
