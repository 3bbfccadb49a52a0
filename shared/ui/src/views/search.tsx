/**
 * Search (/stores/<store>/search?q=&mode=glob|substring&source=&since=&until=&digest=): file
 * names matching a glob or a substring across every snapshot (Locate), narrowed by source
 * and date; with `digest`, only the snapshots holding that content. The form's state is the
 * URL; results link to each file in its snapshot and to the path's history.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api/connect.js';
import { STORE, type LocateResponse, type StoreInfo } from '../api/types.js';
import { Field } from '../components/controls.js';
import { Await } from '../components/status.js';
import { DataTable, num } from '../components/table.js';
import { Choice, DateRange } from './snapshot-filters.js';
import { useApi } from '../components/use-api.js';
import { bytes, count, dateTime, dayMs, shortId } from '../format.js';
import { fileUrl, historyUrl, searchUrl } from '../paths.js';
import { Link, navigate } from '../router.js';
import type { PageProps } from '../router-types.js';
import { StoreFrame } from './store-frame.js';

const KEYS = ['q', 'mode', 'source', 'since', 'until', 'digest'] as const;
type Form = Record<(typeof KEYS)[number], string>;

function formOf(q: URLSearchParams): Form {
  const f = {} as Form;
  for (const k of KEYS) f[k] = q.get(k) ?? '';
  return f;
}

function SearchForm({ store, init, sources }: { store: string; init: Form; sources: readonly string[] }): JSX.Element {
  const [f, setF] = useState(init);
  useEffect(() => setF(init), [JSON.stringify(init)]);
  const set = (k: keyof Form) => (v: string) => setF((o) => ({ ...o, [k]: v }));
  const submit = (e: Event): void => {
    e.preventDefault();
    navigate(searchUrl(store, { ...f, q: f.q.trim() }));
  };
  return (
    <form class="filters" onSubmit={submit} role="search" aria-label="Search file names">
      <Field id="s-q" label="Name" hint={f.mode === 'substring' ? 'part of a name' : 'a glob: *.conf, **/etc/*'}>
        <input id="s-q" type="search" value={f.q} required onInput={(e) => set('q')(e.currentTarget.value)} />
      </Field>
      <Field id="s-mode" label="Match">
        <select id="s-mode" value={f.mode || 'glob'} onChange={(e) => set('mode')(e.currentTarget.value)}>
          <option value="glob">glob</option>
          <option value="substring">substring</option>
        </select>
      </Field>
      <Choice id="s-source" label="Source" value={f.source} options={sources} onChange={set('source')} />
      <DateRange prefix="s" since={f.since} until={f.until} set={(k, v) => set(k)(v)} />
      <div class="buttons">
        <button type="submit">Search</button>
      </div>
    </form>
  );
}

function Results({ store, res }: { store: string; res: LocateResponse }): JSX.Element {
  const matches = res.matches ?? [];
  return (
    <>
      <p role="status">
        {count(matches.length)} match(es) in {count(res.snapshotsSearched)} snapshot(s){res.truncated ? ' (more not shown: narrow the search)' : ''}.
      </p>
      <DataTable id="results" caption="Matches" cols={['Path', 'Snapshot', 'Time', 'Source', num('Size'), 'History']}>
            {matches.map((m, i) => (
              <tr key={i}>
                <td class="wrap">
                  <Link href={fileUrl(store, m.snapshot ?? '', m.path ?? '')}>{m.path ?? ''}</Link>
                </td>
                <td class="mono">{shortId(m.snapshot)}</td>
                <td>{dateTime(m.timeMs)}</td>
                <td class="wrap">{m.source ?? ''}</td>
                <td class="num">{bytes(m.entry?.size)}</td>
                <td>
                  <Link href={historyUrl(store, m.path ?? '', { source: m.source })} aria-label={`History of ${m.path ?? ''}`}>
                    History
                  </Link>
                </td>
              </tr>
            ))}
      </DataTable>
    </>
  );
}

export function SearchPage(props: PageProps): JSX.Element {
  const store = props.params.store ?? '';
  const f = formOf(props.query);
  const info = useApi((signal) => call<StoreInfo>(STORE, 'GetStoreInfo', { store }, signal), [store]);
  const req = { store, pattern: f.q, substring: f.mode === 'substring', source: f.source, sinceMs: dayMs(f.since), untilMs: dayMs(f.until, true), digest: f.digest };
  const st = useApi((signal) => (f.q || f.digest ? call<LocateResponse>(STORE, 'Locate', req, signal) : Promise.resolve(null)), [JSON.stringify(req)]);
  return (
    <StoreFrame props={props} title={f.digest ? 'Snapshots holding this content' : 'Search'}>
      <SearchForm store={store} init={f} sources={info.state === 'done' ? (info.data.sources ?? []) : []} />
      {f.digest ? <p class="muted mono wrap">Content digest {f.digest}</p> : null}
      <Await st={st} what="the matches">
        {(res) => (res ? <Results store={store} res={res} /> : <p class="muted">Type a name to search every snapshot.</p>)}
      </Await>
    </StoreFrame>
  );
}
