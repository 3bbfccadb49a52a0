/** The tabs between the four catalog lists; the current one is marked aria-current. */
import type { JSX } from 'preact';

const TABS: readonly [string, string][] = [['stores', 'Stores'], ['sources', 'Sources'], ['destinations', 'Destinations'], ['schedules', 'Schedules']];

export function CatalogNav(): JSX.Element {
  const here = window.location.pathname;
  return (
    <nav aria-label="Catalog" class="tabs">
      {TABS.map(([p, label]) => (
        <a key={p} href={`/catalog/${p}`} aria-current={here === `/catalog/${p}` ? 'page' : undefined}>{label}</a>
      ))}
    </nav>
  );
}
