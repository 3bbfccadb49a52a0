/**
 * The history of one path (/stores/<store>/history/<path>?source=): every snapshot's version
 * of it (PathHistory), oldest first, with size, mtime, digest and where it changed (content
 * or metadata, appeared or vanished). Tick two versions to see the line diff between them.
 */
import type { JSX } from 'preact';
import { call } from '../api/connect.js';
import { STORE, type PathHistoryResponse, type PathVersion } from '../api/types.js';
import { CompareButton, usePickTwo } from '../components/pick-two.js';
import { Await } from '../components/status.js';
import { DataTable, hidden, num } from '../components/table.js';
import { useApi } from '../components/use-api.js';
import { bytes, dateTime, nsToMs, shortId } from '../format.js';
import { fileDiffUrl, fileUrl, treeUrl } from '../paths.js';
import { Link, navigate } from '../router.js';
import type { PageProps } from '../router-types.js';
import { StoreFrame } from './store-frame.js';

function mark(v: PathVersion, first: boolean): string {
  if (!v.present) return 'absent';
  if (first) return 'first seen';
  if (!v.changed) return 'unchanged';
  return v.contentChanged ? 'content changed' : 'metadata changed';
}

function Versions({ store, path, res }: { store: string; path: string; res: PathHistoryResponse }): JSX.Element {
  const { picked, onPick } = usePickTwo();
  const versions = res.versions ?? [];
  const compare = (): void => {
    const order = versions.map((v) => v.snapshot ?? '');
    const [a, b] = [...picked].sort((x, y) => order.indexOf(x) - order.indexOf(y));
    if (a && b) navigate(fileDiffUrl(store, a, b, path));
  };
  let seen = false;
  return (
    <>
      <div class="toolbar">
        <CompareButton picked={picked} onCompare={compare} />
      </div>
      <DataTable id="history" caption={`Versions of ${path}`} cols={[hidden('Select'), 'Snapshot', 'Time', 'Change', num('Size'), 'Modified', 'Digest']}>
            {versions.map((v) => {
              const id = v.snapshot ?? '';
              const m = mark(v, v.present === true && !seen);
              if (v.present) seen = true;
              const isDir = v.entry?.type === 'dir';
              return (
                <tr key={id} class={v.changed ? 'changed' : ''}>
                  <td>{v.present ? <input type="checkbox" checked={picked.includes(id)} aria-label={`Select the version in ${shortId(id)}`} onChange={(e) => onPick(id, e.currentTarget.checked)} /> : null}</td>
                  <td class="mono">{v.present ? <Link href={isDir ? treeUrl(store, id, path) : fileUrl(store, id, path)}>{shortId(id)}</Link> : shortId(id)}</td>
                  <td>{dateTime(v.timeMs)}</td>
                  <td class={`mark ${m.replace(/ /g, '-')}`}>{m}</td>
                  <td class="num">{v.present && !isDir ? bytes(v.entry?.size) : ''}</td>
                  <td>{v.present ? dateTime(nsToMs(v.entry?.mtimeNs)) : ''}</td>
                  <td class="mono">{(v.entry?.digest ?? '').slice(0, 12)}</td>
                </tr>
              );
            })}
      </DataTable>
    </>
  );
}

export function HistoryPage(props: PageProps): JSX.Element {
  const store = props.params.store ?? '';
  const path = props.params.path ?? '';
  const source = props.query.get('source') ?? '';
  const st = useApi((signal) => call<PathHistoryResponse>(STORE, 'PathHistory', { store, path, source }, signal), [store, path, source]);
  return (
    <StoreFrame props={props} title={`History of ${path || '/'}`}>
      {source ? <p class="muted">Snapshots of source {source}</p> : null}
      <Await st={st} what="the history">
        {(res) => <Versions store={store} path={path} res={res} />}
      </Await>
    </StoreFrame>
  );
}
