/**
 * The diff of two snapshots under a path (/stores/<store>/diff/<a>/<b>/<path>; `a` may be
 * `parent`, the parent of b): each entry added, removed or changed, with marks for content
 * and metadata changes and the size before and after. Folders drill down (the same page for
 * that path); a changed file links to its line diff; each side links to its file.
 */
import type { JSX } from 'preact';
import { call } from '../api/connect.js';
import { STORE, type DiffEntry, type DiffResponse } from '../api/types.js';
import { Await } from '../components/status.js';
import { DataTable, num } from '../components/table.js';
import { useApi } from '../components/use-api.js';
import { bytes, count, shortId } from '../format.js';
import { diffUrl, fileDiffUrl, fileUrl, treeUrl } from '../paths.js';
import { Link } from '../router.js';
import type { PageProps } from '../router-types.js';
import { StoreFrame } from './store-frame.js';

const SIGN: Record<string, string> = { added: '+', removed: '−', changed: '~' };

function PathCrumbs({ store, a, b, path }: { store: string; a: string; b: string; path: string }): JSX.Element {
  const parts = path.split('/').filter((p) => p !== '');
  return (
    <nav class="crumbs" aria-label="Breadcrumbs">
      <ol>
        <li>{parts.length ? <Link href={diffUrl(store, a, b, '')}>all</Link> : <span aria-current="page">all</span>}</li>
        {parts.map((p, i) => (
          <li key={i}>{i === parts.length - 1 ? <span aria-current="page">{p}</span> : <Link href={diffUrl(store, a, b, parts.slice(0, i + 1).join('/'))}>{p}</Link>}</li>
        ))}
      </ol>
    </nav>
  );
}

function EntryRow({ store, a, b, e }: { store: string; a: string; b: string; e: DiffEntry }): JSX.Element {
  const path = e.path ?? '';
  const kind = e.kind ?? 'changed';
  let name: JSX.Element = <span>{path}</span>;
  if (e.type === 'dir') name = <Link href={diffUrl(store, a, b, path)}>{path}/</Link>;
  else if (kind === 'changed' && e.contentChanged) name = <Link href={fileDiffUrl(store, a, b, path)}>{path}</Link>;
  else if (kind === 'added') name = <Link href={fileUrl(store, b, path)}>{path}</Link>;
  else if (kind === 'removed') name = <Link href={fileUrl(store, a, path)}>{path}</Link>;
  else name = <Link href={fileUrl(store, b, path)}>{path}</Link>;
  return (
    <tr class={`diff-${kind}`}>
      <td class="mark" aria-label={kind}>
        <span aria-hidden="true">{SIGN[kind] ?? '?'}</span> {kind}
      </td>
      <td class="wrap">{name}</td>
      <td>{e.type ?? ''}</td>
      <td>
        {e.contentChanged ? <span class="tag">content</span> : null}
        {e.metadataChanged ? <span class="tag">metadata</span> : null}
      </td>
      <td class="num">{e.before && e.type !== 'dir' ? bytes(e.before.size) : ''}</td>
      <td class="num">{e.after && e.type !== 'dir' ? bytes(e.after.size) : ''}</td>
    </tr>
  );
}

function Result({ store, a, b, res }: { store: string; a: string; b: string; res: DiffResponse }): JSX.Element {
  const entries = res.entries ?? [];
  const ra = res.a || a;
  const rb = res.b || b;
  const n = (k: string): number => entries.filter((e) => e.kind === k).length;
  return (
    <>
      <p>
        From <Link href={treeUrl(store, ra, '')}>{shortId(ra)}</Link> to <Link href={treeUrl(store, rb, '')}>{shortId(rb)}</Link>:{' '}
        <span role="status">
          {count(n('added'))} added, {count(n('removed'))} removed, {count(n('changed'))} changed{res.truncated ? ' (more not shown)' : ''}
        </span>
      </p>
      {(res.damaged ?? []).length > 0 ? (
        <div class="error" role="alert">
          Could not compare (damage): {(res.damaged ?? []).map((d) => d.path ?? '').join(', ')}
        </div>
      ) : null}
      {entries.length === 0 ? (
        <p class="muted">No differences.</p>
      ) : (
        <DataTable id="diff" caption="Differences" cols={['Change', 'Path', 'Type', 'What', num('Before'), num('After')]}>
              {entries.map((e, i) => (
                <EntryRow key={i} store={store} a={ra} b={rb} e={e} />
              ))}
        </DataTable>
      )}
    </>
  );
}

export function DiffPage(props: PageProps): JSX.Element {
  const store = props.params.store ?? '';
  const a = props.params.a ?? '';
  const b = props.params.b ?? '';
  const path = props.params.path ?? '';
  const st = useApi((signal) => call<DiffResponse>(STORE, 'Diff', { store, a: a === 'parent' ? '' : a, b, path }, signal), [store, a, b, path]);
  return (
    <StoreFrame props={props} title={a === 'parent' ? `Changes in ${shortId(b)}` : `Diff ${shortId(a)} → ${shortId(b)}`}>
      <PathCrumbs store={store} a={a} b={b} path={path} />
      <Await st={st} what="the differences">
        {(res) => <Result store={store} a={a} b={b} res={res} />}
      </Await>
    </StoreFrame>
  );
}
