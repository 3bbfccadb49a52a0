/**
 * Client-side routing over real paths (History API): `matchRoute` matches a pathname against
 * RouteDef patterns (router-types.ts), `navigate` pushes or replaces a history entry, `Link`
 * renders a real <a href> (so open-in-new-tab, copy link and keyboard work) that navigates
 * without a reload on a plain click, and `useLocation` re-renders on every change.
 * Guarantees: every parameter is percent-decoded per segment; a segment that is empty (inside
 * a rest match), "." or "..", or decodes to something holding "/" or NUL, or is malformed
 * percent-encoding, never matches, so traversal URLs reach the not-found page.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { RouteDef } from './router-types.js';

export interface Loc {
  readonly pathname: string;
  readonly search: string;
}

const listeners = new Set<() => void>();

function current(): Loc {
  return { pathname: window.location.pathname, search: window.location.search };
}

let focusWanted = false;

/** Whether the last navigation was a user's (a push) and still wants focus moved; clears it. */
export function takeFocusRequest(): boolean {
  const w = focusWanted;
  focusWanted = false;
  return w;
}

/** Goes to `to` (a same-origin path with query) without reloading the page. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  focusWanted = !opts.replace;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const l of listeners) l();
  if (!opts.replace) window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

/** The current location; the component re-renders when it changes. */
export function useLocation(): Loc {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const l = (): void => setLoc(current());
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return loc;
}

/** Decodes one path segment; undefined when it is not a safe name. */
export function decodeSegment(seg: string): string | undefined {
  let s: string;
  try {
    s = decodeURIComponent(seg);
  } catch {
    return undefined;
  }
  if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0')) return undefined;
  return s;
}

export interface Match {
  readonly route: RouteDef;
  readonly params: Record<string, string>;
}

function matchOne(pattern: string, segs: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').filter((p) => p !== '');
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    if (p.startsWith('*')) {
      const rest: string[] = [];
      for (const s of segs.slice(i)) {
        const d = decodeSegment(s);
        if (d === undefined) return undefined;
        rest.push(d);
      }
      params[p.slice(1)] = rest.join('/');
      return params;
    }
    const s = segs[i];
    if (s === undefined) return undefined;
    if (p.startsWith(':')) {
      const d = decodeSegment(s);
      if (d === undefined) return undefined;
      params[p.slice(1)] = d;
    } else if (p !== s) {
      return undefined;
    }
  }
  return segs.length === parts.length ? params : undefined;
}

/** The first route matching `pathname`, with its decoded parameters. */
export function matchRoute(routes: readonly RouteDef[], pathname: string): Match | undefined {
  const segs = pathname.split('/').slice(1);
  if (segs.length > 0 && segs[segs.length - 1] === '') segs.pop();
  for (const route of routes) {
    const params = matchOne(route.path, segs);
    if (params) return { route, params };
  }
  return undefined;
}

function isPlainClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey && !e.defaultPrevented;
}

export interface LinkProps {
  href: string;
  children?: ComponentChildren;
  class?: string;
  id?: string;
  'aria-label'?: string;
  'aria-current'?: 'page';
}

/** An <a> that navigates in-app on a plain click. */
export function Link({ href, children, ...rest }: LinkProps): JSX.Element {
  const onClick = (e: MouseEvent): void => {
    if (!isPlainClick(e)) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
