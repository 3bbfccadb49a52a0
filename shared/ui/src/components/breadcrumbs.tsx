/**
 * Breadcrumbs of a path in a snapshot: the snapshot (its root) and then every folder down to
 * the current name, each a link but the last (aria-current). Names are text nodes.
 */
import type { JSX } from 'preact';
import { shortId } from '../format.js';
import { treeUrl } from '../paths.js';
import { Link } from '../router.js';

export function Breadcrumbs({ store, snapshot, path }: { store: string; snapshot: string; path: string }): JSX.Element {
  const parts = path.split('/').filter((p) => p !== '');
  const crumbs = [{ label: `snapshot ${shortId(snapshot)}`, path: '' }, ...parts.map((p, i) => ({ label: p, path: parts.slice(0, i + 1).join('/') }))];
  return (
    <nav class="crumbs" aria-label="Breadcrumbs">
      <ol>
        {crumbs.map((c, i) => (
          <li key={c.path}>
            {i === crumbs.length - 1 ? <span aria-current="page">{c.label}</span> : <Link href={treeUrl(store, snapshot, c.path)}>{c.label}</Link>}
          </li>
        ))}
      </ol>
    </nav>
  );
}
