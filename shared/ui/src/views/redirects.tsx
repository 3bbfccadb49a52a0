/**
 * Pages that only lead elsewhere: the local viewer's `/` and `/stores/<store>` replace
 * themselves with the store's snapshots (so Back does not bounce), and the console's
 * `/stores` lists the stores this session can reach.
 */
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { Loading } from '../components/status.js';
import { snapshotsUrl } from '../paths.js';
import { Link, navigate } from '../router.js';
import type { PageProps } from '../router-types.js';

function Redirect({ to }: { to: string }): JSX.Element {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return <Loading what="the snapshots" />;
}

export function LocalHome(): JSX.Element {
  return <Redirect to={snapshotsUrl('local')} />;
}

export function StoreHome(props: PageProps): JSX.Element {
  return <Redirect to={snapshotsUrl(props.params.store ?? '')} />;
}

export function StoresPage(props: PageProps): JSX.Element {
  const stores = props.session?.home === 'local' ? ['local'] : (props.session?.stores ?? []);
  return (
    <>
      <h1>Stores</h1>
      {stores.length === 0 ? <p class="muted">No store is reachable from this session.</p> : null}
      <ul class="stores">
        {stores.map((s) => (
          <li key={s}>
            <Link href={snapshotsUrl(s)}>{s}</Link>
          </li>
        ))}
      </ul>
    </>
  );
}
