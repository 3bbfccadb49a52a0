/**
 * The contract between the app shell (router, session, API client) and the pages mounted into
 * it, both the store views (shared/ui/src/views) and the console pages
 * (shared/ui/src/console/routes.ts exports `consoleRoutes: readonly RouteDef[]`).
 *
 * Guarantees the shell gives every page:
 * - `params` are decoded: `:name` is one path segment, percent-decoded; a trailing `*name`
 *   matches the rest of the path (possibly empty), each segment decoded, joined with "/".
 *   A segment that decodes to "..", ".", or contains NUL or "/" never matches (→ not found).
 * - `query` is the current URL's query; a page keeps all its state (filters, sort, page,
 *   selection) in the URL and changes it with `app.navigate` (push) or `{ replace: true }`.
 * - The page is rendered only with a session, unless the route is `public` (the login page).
 *   A 401 from any call makes the shell reload the session: console → /login?next=<path>,
 *   local → the "open the URL `coffer at <store> ui` printed" page.
 * - `app.call` / `app.stream` send `X-CSRF-Token` and reject with an `ApiError`
 *   ({ code, message }, Connect codes such as "not_found", "permission_denied").
 *
 * Route order: when home is "console" the console routes are matched first, then the store
 * routes (/stores/<store>/...); the first match wins; nothing matched → the not-found page.
 */
import type { ComponentType } from 'preact';

export type Home = 'local' | 'console';
export type Role = 'admin' | 'operator' | 'viewer';

/** `GET /session` (see the web layout in docs/ui.md). */
export interface SessionInfo {
  home: Home;
  /** The store's name in the local viewer (its URLs use the literal `local`). */
  store?: string;
  user: { name: string; role: Role };
  csrfToken: string;
  /** Stores this session can reach (console: every store in the catalog; local: ["local"]). */
  stores: string[];
}

/** An API failure: a Connect error code ("not_found", "unavailable", ...) and its message. */
export interface ApiErrorShape {
  code: string;
  message: string;
}

export type ServiceName = 'coffer.v1.StoreService' | 'coffer.v1.ControllerService';

/** What the shell offers every page (also importable: api/connect.ts, router.tsx). */
export interface AppServices {
  /** Unary call: POST /<service>/<method>, proto3 JSON in and out. */
  call<Res>(service: ServiceName, method: string, req: object, signal?: AbortSignal): Promise<Res>;
  /** Server-streaming call: yields each message; ends at the end-of-stream envelope. */
  stream<Res>(service: ServiceName, method: string, req: object, signal?: AbortSignal): AsyncIterable<Res>;
  /** Client-side navigation to a same-origin path (with query); push unless `replace`. */
  navigate(to: string, opts?: { replace?: boolean }): void;
  /** Fetch /session again (after login or logout) and re-render. */
  reloadSession(): Promise<void>;
}

export interface PageProps {
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Null only on `public` routes when nobody is logged in. */
  session: SessionInfo | null;
  app: AppServices;
}

export interface RouteDef {
  /** Pattern: literal segments, `:name` for one segment, `*name` (last) for the rest. */
  path: string;
  page: ComponentType<PageProps>;
  /** Document title ("<title> · Coffer"). */
  title: string;
  /** Rendered without a session (the console's /login). */
  public?: boolean;
  /** Label in the shell's top navigation; absent = not listed. */
  nav?: string;
  /** Lowest role that sees the nav entry (the API enforces roles; this only hides). */
  minRole?: Role;
}
