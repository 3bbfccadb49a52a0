/**
 * The snapshots page (/stores/<store>/snapshots): the store's totals and last check, charts
 * per source, and the snapshots filtered by source, host, tag and date range, sorted and
 * paged on the server. All of that state is in the URL (source, host, tag, since, until,
 * sort, asc, page), so a reload or a shared link shows the same list. Two ticked snapshots
 * can be compared (diff); each row links to browse, diff with its parent, and restore.
 */
import type { JSX } from 'preact';
import { call } from '../api/connect.js';
import { STORE, type ListStoreSnapshotsResponse, type StoreInfo, type StoreSnapshot } from '../api/types.js';
import { Pager, SortHeader, pageOf } from '../components/controls.js';
import { CompareButton, usePickTwo } from '../components/pick-two.js';
import { Await } from '../components/status.js';
import { DataTable, hidden, num } from '../components/table.js';
import { useApi } from '../components/use-api.js';
import { bytes, count, dateTime, dayMs, duration, shortId } from '../format.js';
import { diffUrl, restoreUrl, snapshotsUrl, treeUrl } from '../paths.js';
import { Link, navigate } from '../router.js';
import type { PageProps } from '../router-types.js';
import { mayOperate } from '../may-operate.js';
import { SnapshotFilters } from './snapshot-filters.js';
import { SourceCharts } from './source-charts.js';
import { StoreFrame } from './store-frame.js';
import { LastCheck, StoreTotals } from './store-totals.js';

export const PAGE_SIZE = 50;
const FILTER_KEYS = ['source', 'host', 'tag', 'since', 'until', 'sort', 'asc'] as const;

function stateOf(q: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) out[k] = q.get(k) ?? '';
  return out;
}

function Row({ s, store, picked, onPick, operate }: { s: StoreSnapshot; store: string; picked: boolean; onPick: (id: string, on: boolean) => void; operate: boolean }): JSX.Element {
  const id = s.id ?? '';
  return (
    <tr>
      <td>
        <input type="checkbox" checked={picked} aria-label={`Select snapshot ${shortId(id)} to compare`} onChange={(e) => onPick(id, e.currentTarget.checked)} />
      </td>
      <td>
        <Link href={treeUrl(store, id, '')} class="mono">
          {shortId(id)}
        </Link>
      </td>
      <td>{dateTime(s.timeMs)}</td>
      <td class="wrap">{s.source ?? ''}</td>
      <td>{s.host ?? ''}</td>
      <td>{(s.tags ?? []).map((t) => <span class="tag" key={t}>{t}</span>)}</td>
      <td class="num">{count(s.files)}</td>
      <td class="num">{bytes(s.bytes)}</td>
      <td class="num">{bytes(s.addedBytes)}</td>
      <td class="num">{duration(s.durationMs)}</td>
      <td class={`num ${s.errors ? 'bad' : ''}`}>{count(s.errors)}</td>
      <td>{s.lastCheck?.timeMs ? <LastCheck check={s.lastCheck} store={store} /> : <span class="muted">—</span>}</td>
      <td class="actions">
        <Link href={diffUrl(store, 'parent', id, '')}>Changes</Link> {operate ? <Link href={restoreUrl(store, id, [])}>Restore</Link> : null}
      </td>
    </tr>
  );
}

function Table({ res, store, st, page, operate }: { res: ListStoreSnapshotsResponse; store: string; st: Record<string, string>; page: number; operate: boolean }): JSX.Element {
  const { picked, onPick } = usePickTwo();
  const sort = st.sort || 'time';
  const desc = st.asc !== '1';
  const href = (q: Record<string, string | number>): string => snapshotsUrl(store, { ...st, ...q });
  const sortHref = (field: string, d: boolean): string => href({ sort: field, asc: d ? '' : '1', page: '' });
  const list = res.snapshots ?? [];
  const compare = (): void => {
    const byTime = list.filter((s) => picked.includes(s.id ?? '')).sort((a, b) => (a.timeMs ?? 0) - (b.timeMs ?? 0));
    if (byTime.length === 2) navigate(diffUrl(store, byTime[0]?.id ?? '', byTime[1]?.id ?? '', ''));
  };
  const hdr = { sort, desc, href: sortHref };
  const cols = [
    hidden('Select'),
    'Snapshot',
    <SortHeader label="Time" field="time" {...hdr} />,
    <SortHeader label="Source" field="source" {...hdr} />,
    <SortHeader label="Host" field="host" {...hdr} />,
    'Tags',
    <SortHeader label="Files" field="files" class="num" {...hdr} />,
    <SortHeader label="Size" field="size" class="num" {...hdr} />,
    num('New bytes'),
    num('Duration'),
    num('Errors'),
    'Last check',
    'Actions',
  ];
  return (
    <>
      <div class="toolbar">
        <CompareButton picked={picked} onCompare={compare} />
        <span class="muted" role="status">
          {count(res.total)} snapshot(s) match
        </span>
      </div>
      <DataTable id="snapshot-list" caption="Snapshots" cols={cols}>
        {list.length === 0 ? (
          <tr>
            <td colSpan={cols.length} class="muted">
              No snapshot matches.
            </td>
          </tr>
        ) : (
          list.map((s) => <Row key={s.id} s={s} store={store} picked={picked.includes(s.id ?? '')} onPick={onPick} operate={operate} />)
        )}
      </DataTable>
      <Pager page={page} size={PAGE_SIZE} total={res.total ?? 0} href={(p) => href({ page: p })} label="Snapshot pages" />
    </>
  );
}

export function SnapshotsPage(props: PageProps): JSX.Element {
  const store = props.params.store ?? '';
  const st = stateOf(props.query);
  const page = pageOf(props.query.get('page'));
  const key = JSON.stringify([store, st, page]);
  const info = useApi((signal) => call<StoreInfo>(STORE, 'GetStoreInfo', { store }, signal), [store]);
  const all = useApi((signal) => call<ListStoreSnapshotsResponse>(STORE, 'ListStoreSnapshots', { store, sort: 'time', limit: 1000 }, signal), [store]);
  const list = useApi(
    (signal) =>
      call<ListStoreSnapshotsResponse>(
        STORE,
        'ListStoreSnapshots',
        {
          store,
          source: st.source,
          host: st.host,
          tags: st.tag ? [st.tag] : [],
          sinceMs: dayMs(st.since ?? ''),
          untilMs: dayMs(st.until ?? '', true),
          sort: st.sort || 'time',
          descending: st.asc !== '1',
          offset: (page - 1) * PAGE_SIZE,
          limit: PAGE_SIZE,
        },
        signal,
      ),
    [key],
  );
  return (
    <StoreFrame props={props} title="Snapshots">
      <Await st={info} what="the store">
        {(i) => (
          <>
            <StoreTotals info={i} store={store} />
            <SnapshotFilters info={i} st={st} onApply={(q) => navigate(snapshotsUrl(store, q))} />
          </>
        )}
      </Await>
      <Await st={list} what="the snapshots">
        {(res) => <Table res={res} store={store} st={st} page={page} operate={mayOperate(props.session)} />}
      </Await>
      {all.state === 'done' ? <SourceCharts snapshots={all.data.snapshots ?? []} /> : null}
    </StoreFrame>
  );
}
