/**
 * The line diff of one text file between two snapshots
 * (/stores/<store>/filediff/<a>/<b>/<path>, DiffFile): every line with its number on each
 * side and a +/−/space mark, as text nodes; binary, identical and truncated cases are said.
 */
import type { JSX } from 'preact';
import { call } from '../api/connect.js';
import { STORE, type DiffFileResponse } from '../api/types.js';
import { Await } from '../components/status.js';
import { DataTable, hidden, num } from '../components/table.js';
import { useApi } from '../components/use-api.js';
import { shortId } from '../format.js';
import { fileUrl, historyUrl } from '../paths.js';
import { Link } from '../router.js';
import type { PageProps } from '../router-types.js';
import { StoreFrame } from './store-frame.js';

const OP_CLASS: Record<string, string> = { '+': 'add', '-': 'del', ' ': 'same' };
const OP_LABEL: Record<string, string> = { '+': 'added', '-': 'removed', ' ': '' };

function Lines({ res }: { res: DiffFileResponse }): JSX.Element {
  if (res.binary) return <p>At least one side is not text (or larger than 4 MiB): no line diff.</p>;
  if (res.identical) return <p>The two versions are identical.</p>;
  const lines = res.lines ?? [];
  const added = lines.filter((l) => l.op === '+').length;
  const removed = lines.filter((l) => l.op === '-').length;
  return (
    <>
      <p role="status">
        {added} line(s) added, {removed} removed{res.truncated ? ' (diff cut short)' : ''}.
      </p>
      <DataTable id="linediff" cls="linediff" caption="Line diff" cols={[num('Old'), num('New'), hidden('Change'), 'Line']}>
            {lines.map((l, i) => {
              const op = l.op ?? ' ';
              return (
                <tr key={i} class={OP_CLASS[op] ?? 'same'}>
                  <td class="num">{l.aLine ? String(l.aLine) : ''}</td>
                  <td class="num">{l.bLine ? String(l.bLine) : ''}</td>
                  <td class="op">
                    <span aria-hidden="true">{op === '-' ? '−' : op}</span>
                    <span class="sr-only">{OP_LABEL[op] ?? ''}</span>
                  </td>
                  <td class="code">{l.text ?? ''}</td>
                </tr>
              );
            })}
      </DataTable>
    </>
  );
}

export function FileDiffPage(props: PageProps): JSX.Element {
  const store = props.params.store ?? '';
  const a = props.params.a ?? '';
  const b = props.params.b ?? '';
  const path = props.params.path ?? '';
  const st = useApi((signal) => call<DiffFileResponse>(STORE, 'DiffFile', { store, a, b, path }, signal), [store, a, b, path]);
  return (
    <StoreFrame props={props} title={`Line diff of ${path}`}>
      <p>
        <Link href={fileUrl(store, a, path)}>{shortId(a)}</Link> → <Link href={fileUrl(store, b, path)}>{shortId(b)}</Link> ·{' '}
        <Link href={historyUrl(store, path)}>History</Link>
      </p>
      <Await st={st} what="the line diff">
        {(res) => <Lines res={res} />}
      </Await>
    </StoreFrame>
  );
}
