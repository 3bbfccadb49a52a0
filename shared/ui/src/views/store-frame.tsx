/**
 * The frame of every store view: checks that the session can reach the store named in the
 * URL (else the not-found page, before any call), and puts the store's heading and its
 * sub-navigation (snapshots, search, verify) above the page. The local viewer's store is
 * always the literal `local` in URLs.
 */
import type { ComponentChildren, JSX } from 'preact';
import { NotFound } from '../components/status.js';
import { Link } from '../router.js';
import type { PageProps, SessionInfo } from '../router-types.js';
import { mayOperate } from '../may-operate.js';
import { checkUrl, searchUrl, snapshotsUrl } from '../paths.js';

/** Whether `store` (from the URL) is one this session may look at. */
export function reachable(session: SessionInfo | null, store: string): boolean {
  if (!session) return false;
  if (session.home === 'local') return store === 'local';
  return session.stores.includes(store);
}

export function StoreFrame({ props, title, children }: { props: PageProps; title: string; children: ComponentChildren }): JSX.Element {
  const store = props.params.store ?? '';
  if (!reachable(props.session, store)) return <NotFound what={`There is no store named "${store}" here.`} />;
  const label = props.session?.home === 'local' ? (props.session.store ?? 'local') : store;
  return (
    <>
      <div class="storebar">
        <span class="storename">
          Store <strong>{label}</strong>
        </span>
        <nav aria-label="Store">
          <ul>
            <li>
              <Link href={snapshotsUrl(store)}>Snapshots</Link>
            </li>
            <li>
              <Link href={searchUrl(store)}>Search</Link>
            </li>
            {mayOperate(props.session) ? (
              <li>
                <Link href={checkUrl(store)}>Verify</Link>
              </li>
            ) : null}
          </ul>
        </nav>
      </div>
      <h1>{title}</h1>
      {children}
    </>
  );
}
