/**
 * Browsing one folder of a snapshot (/stores/<store>/snapshots/<id>/tree/<path>): one page of
 * the folder at a time, sorted and filtered on the server (ListTree offset/limit), so a folder
 * of 100,000 entries costs one page of rows. Sort, order, page and name filter live in the URL.
 * Ticked entries (or the whole folder) can be downloaded as .tar or .zip or restored; a file
 * opens its preview; a path naming a file goes to the file page.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api/connect.js';
import { mayOperate } from '../may-operate.js';
import { STORE, type ListTreeResponse, type TreeEntry } from '../api/types.js';
import { Breadcrumbs } from '../components/breadcrumbs.js';
import { Field, Pager, SortHeader, pageOf } from '../components/controls.js';
import { Await } from '../components/status.js';
import { DataTable } from '../components/table.js';
import { useApi } from '../components/use-api.js';
import { bytes, count, dateTime, modeString, nsToMs } from '../format.js';
import { archiveUrl, diffUrl, fileUrl, historyUrl, joinPath, restoreUrl, treeUrl } from '../paths.js';
import { Link, navigate } from '../router.js';
import type { PageProps } from '../router-types.js';
import { StoreFrame } from './store-frame.js';

export const TREE_PAGE = 200;

interface View {
  store: string;
  snapshot: string;
  path: string;
  sort: string;
  desc: boolean;
  filter: string;
  page: number;
  /** May download and restore (mayOperate). */
  operate: boolean;
}

function hrefOf(v: View, over: Partial<View>): string {
  const n = { ...v, ...over };
  return treeUrl(n.store, n.snapshot, n.path, { sort: n.sort === 'name' ? '' : n.sort, desc: n.desc ? 1 : '', filter: n.filter, page: n.page > 1 ? n.page : '' });
}

function EntryRow({ v, e, picked, onPick }: { v: View; e: TreeEntry; picked: boolean; onPick: (name: string, on: boolean) => void }): JSX.Element {
  const name = e.name ?? '';
  const path = joinPath(v.path, name);
  const link = e.type === 'dir' ? treeUrl(v.store, v.snapshot, path) : fileUrl(v.store, v.snapshot, path);
  return (
    <tr>
      <td>
        <input type="checkbox" checked={picked} aria-label={`Select ${name}`} onChange={(ev) => onPick(name, ev.currentTarget.checked)} />
      </td>
      <td class="name wrap">
        <Link href={link} class={e.type === 'dir' ? 'dir' : 'file'}>
          {name}
          {e.type === 'dir' ? '/' : ''}
        </Link>
        {e.type === 'symlink' ? <span class="muted"> → {e.target ?? ''}</span> : null}
      </td>
      <td>{e.type ?? 'file'}</td>
      <td class="num">{e.type === 'dir' ? '' : bytes(e.size)}</td>
      <td class="mono">{modeString(e.type, e.mode)}</td>
      <td>
        {e.user || String(e.uid ?? 0)}:{e.group || String(e.gid ?? 0)}
      </td>
      <td>{dateTime(nsToMs(e.mtimeNs))}</td>
    </tr>
  );
}

function Listing({ v, res }: { v: View; res: ListTreeResponse }): JSX.Element {
  const [picked, setPicked] = useState<string[]>([]);
  useEffect(() => setPicked([]), [v.path, v.snapshot]);
  const entries = res.entries ?? [];
  const onPick = (name: string, on: boolean): void => setPicked((p) => (on ? [...p, name] : p.filter((x) => x !== name)));
  const allOn = entries.length > 0 && entries.every((e) => picked.includes(e.name ?? ''));
  const paths = picked.length > 0 ? picked.map((n) => joinPath(v.path, n)) : v.path ? [v.path] : [];
  const what = picked.length > 0 ? `${picked.length} selected` : 'this folder';
  const hdr = { sort: v.sort, desc: v.desc, href: (sort: string, desc: boolean) => hrefOf(v, { sort, desc, page: 1 }) };
  const cols = [
    <th scope="col">
      <input type="checkbox" checked={allOn} aria-label="Select every entry on this page" onChange={(e) => setPicked(e.currentTarget.checked ? entries.map((x) => x.name ?? '') : [])} />
    </th>,
    <SortHeader label="Name" field="name" {...hdr} />,
    <SortHeader label="Type" field="type" {...hdr} />,
    <SortHeader label="Size" field="size" class="num" {...hdr} />,
    'Mode',
    'Owner',
    <SortHeader label="Modified" field="mtime" {...hdr} />,
  ];
  return (
    <>
      <div class="toolbar">
        <span role="status">{what}:</span>
        {v.operate ? (
          <>
            <a class="button" href={archiveUrl(v.store, v.snapshot, paths, 'tar')} download>
              Download .tar
            </a>
            <a class="button" href={archiveUrl(v.store, v.snapshot, paths, 'zip')} download>
              Download .zip
            </a>
            <Link class="button" href={restoreUrl(v.store, v.snapshot, paths)}>
              Restore…
            </Link>
          </>
        ) : null}
        <Link href={diffUrl(v.store, 'parent', v.snapshot, v.path)}>Changes since the parent</Link>
        {v.path ? <Link href={historyUrl(v.store, v.path)}>History of this folder</Link> : null}
      </div>
      {(res.damaged ?? []).length > 0 ? (
        <div class="error" role="alert">
          Damaged below this folder: {(res.damaged ?? []).map((d) => `${d.path ?? ''} (${d.error ?? ''})`).join('; ')}
        </div>
      ) : null}
      <DataTable id="tree" caption={`Entries of ${v.path || 'the snapshot root'}`} cols={cols}>
            {entries.length === 0 ? (
              <tr>
                <td colSpan={cols.length} class="muted">
                  {v.filter ? 'No name matches the filter.' : 'This folder is empty.'}
                </td>
              </tr>
            ) : (
              entries.map((e) => <EntryRow key={e.name} v={v} e={e} picked={picked.includes(e.name ?? '')} onPick={onPick} />)
            )}
      </DataTable>
      <Pager page={v.page} size={TREE_PAGE} total={res.total ?? 0} href={(p) => hrefOf(v, { page: p })} label="Folder pages" />
      <p class="muted">{count(res.total)} entries</p>
    </>
  );
}

function FilterForm({ v }: { v: View }): JSX.Element {
  const [text, setText] = useState(v.filter);
  useEffect(() => setText(v.filter), [v.filter]);
  const submit = (e: Event): void => {
    e.preventDefault();
    navigate(hrefOf(v, { filter: text.trim(), page: 1 }));
  };
  return (
    <form class="filters inline" onSubmit={submit} role="search" aria-label="Filter this folder">
      <Field id="tree-filter" label="Names containing">
        <input id="tree-filter" type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </Field>
      <div class="buttons">
        <button type="submit">Filter</button>
      </div>
    </form>
  );
}

export function BrowsePage(props: PageProps): JSX.Element {
  const q = props.query;
  const v: View = {
    store: props.params.store ?? '',
    snapshot: props.params.snapshot ?? '',
    path: props.params.path ?? '',
    sort: q.get('sort') || 'name',
    desc: q.get('desc') === '1',
    filter: q.get('filter') ?? '',
    page: pageOf(q.get('page')),
    operate: mayOperate(props.session),
  };
  const st = useApi(
    (signal) =>
      call<ListTreeResponse>(
        STORE,
        'ListTree',
        { store: v.store, snapshot: v.snapshot, path: v.path, sort: v.sort, descending: v.desc, offset: (v.page - 1) * TREE_PAGE, limit: TREE_PAGE, filter: v.filter },
        signal,
      ),
    [JSON.stringify(v)],
  );
  const isFile = st.state === 'done' && st.data.entry?.type !== undefined && st.data.entry.type !== 'dir';
  useEffect(() => {
    if (isFile) navigate(fileUrl(v.store, v.snapshot, v.path), { replace: true });
  }, [isFile, v.store, v.snapshot, v.path]);
  return (
    <StoreFrame props={props} title={v.path ? `Browse ${v.path}` : 'Browse'}>
      <Breadcrumbs store={v.store} snapshot={v.snapshot} path={v.path} />
      <FilterForm v={v} />
      <Await st={st} what="the folder">
        {(res) => <Listing v={v} res={res} />}
      </Await>
    </StoreFrame>
  );
}
