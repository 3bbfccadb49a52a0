/**
 * The store views' routes (the web layout in docs/ui.md), for both homes: in the local viewer
 * `/` goes to the store's snapshots (the store is the literal `local`); in the console
 * `/stores` lists the stores the session can reach (the dashboard at `/` is the console's).
 */
import type { RouteDef } from './router-types.js';
import { BrowsePage } from './views/browse.js';
import { CheckPage } from './views/check.js';
import { DiffPage } from './views/diff.js';
import { FileDiffPage } from './views/file-diff.js';
import { HistoryPage } from './views/history.js';
import { PreviewPage } from './views/preview.js';
import { LocalHome, StoreHome, StoresPage } from './views/redirects.js';
import { RestorePage } from './views/restore.js';
import { SearchPage } from './views/search.js';
import { SnapshotsPage } from './views/snapshots.js';

const VIEWS: readonly RouteDef[] = [
  { path: '/stores', page: StoresPage, title: 'Stores' },
  { path: '/stores/:store', page: StoreHome, title: 'Store' },
  { path: '/stores/:store/snapshots', page: SnapshotsPage, title: 'Snapshots' },
  { path: '/stores/:store/snapshots/:snapshot/tree/*path', page: BrowsePage, title: 'Browse' },
  { path: '/stores/:store/snapshots/:snapshot/file/*path', page: PreviewPage, title: 'File' },
  { path: '/stores/:store/search', page: SearchPage, title: 'Search' },
  { path: '/stores/:store/history/*path', page: HistoryPage, title: 'History' },
  { path: '/stores/:store/diff/:a/:b/*path', page: DiffPage, title: 'Diff' },
  { path: '/stores/:store/filediff/:a/:b/*path', page: FileDiffPage, title: 'File diff' },
  { path: '/stores/:store/check', page: CheckPage, title: 'Verify' },
  { path: '/stores/:store/restore/:snapshot', page: RestorePage, title: 'Restore' },
];

export function storeRoutes(home: 'local' | 'console'): readonly RouteDef[] {
  return home === 'local' ? [{ path: '/', page: LocalHome, title: 'Snapshots' }, ...VIEWS] : VIEWS;
}
