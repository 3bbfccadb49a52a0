/** The tabs between the four catalog lists; the current one is marked aria-current. */
import type { JSX } from 'preact';
import { Link } from '../../router.js';

const TABS: readonly [string, string][] = [['stores', 'Stores'], ['sources', 'Sources'], ['destinations', 'Destinations'], ['schedules', 'Schedules']];

export function CatalogNav(): JSX.Element {
  const here = window.location.pathname;
  return (
    <nav aria-label="Catalog" class="tabs">
      {TABS.map(([p, label]) => (
        <Link key={p} href={`/catalog/${p}`} aria-current={here === `/catalog/${p}` ? 'page' : undefined}>{label}</Link>
      ))}
    </nav>
  );
}
