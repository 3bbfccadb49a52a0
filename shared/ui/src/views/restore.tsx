/**
 * Restore (/stores/<store>/restore/<snapshot>?path=…): the selection (paths from the URL, or
 * the whole snapshot) to a target — in the local viewer a local folder typed in, in the
 * console a catalog destination chosen from ListDestinations (run by its agent) — with the
 * overwrite policy; progress streams in live and the result counts restored, skipped and
 * failed files.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { call } from '../api/connect.js';
import { CONTROLLER, type Destination, type RestoreOutcome } from '../api/types.js';
import { Field } from '../components/controls.js';
import { RunButtons, RunStatus } from '../components/run-view.js';
import { ErrorBox } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { useRun } from '../components/use-run.js';
import { bytes, count, duration, shortId } from '../format.js';
import { treeUrl } from '../paths.js';
import { Link } from '../router.js';
import type { PageProps } from '../router-types.js';
import { StoreFrame } from './store-frame.js';

function DestinationPicker({ value, onChange }: { value: string; onChange: (v: string) => void }): JSX.Element {
  const st = useApi((signal) => call<{ destinations?: readonly Destination[] }>(CONTROLLER, 'ListDestinations', {}, signal), []);
  const list = st.state === 'done' ? (st.data.destinations ?? []) : [];
  return (
    <>
      <Field id="r-target" label="Destination">
        <select id="r-target" value={value} required onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">choose a destination</option>
          {list.map((d) => (
            <option key={d.name} value={d.name}>
              {`${d.name ?? ''} (${d.location ?? ''})`}
            </option>
          ))}
        </select>
      </Field>
      {st.state === 'error' ? <ErrorBox error={st.error} /> : null}
    </>
  );
}

function Result({ r }: { r: RestoreOutcome }): JSX.Element {
  return (
    <section class={`outcome ${r.ok ? 'outcome-ok' : 'outcome-bad'}`} aria-labelledby="restore-title">
      <h2 id="restore-title">{r.ok ? 'Restored' : 'Restored with errors'}</h2>
      <p id="restore-summary">
        {count(r.files)} file(s), {bytes(r.bytes)} restored; {count(r.skipped)} skipped; {count(r.errors)} error(s); {duration(r.durationMs)}.
        {r.jobId ? ` Job ${r.jobId}.` : ''}
      </p>
      {(r.errorList ?? []).length > 0 ? (
        <ul>
          {(r.errorList ?? []).map((e, i) => (
            <li key={i}>
              {e.path ?? ''}: {e.error ?? ''}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export function RestorePage(props: PageProps): JSX.Element {
  const store = props.params.store ?? '';
  const snapshot = props.params.snapshot ?? '';
  const paths = props.query.getAll('path').filter((p) => p !== '');
  const consoleHome = props.session?.home === 'console';
  const [target, setTarget] = useState('');
  const [overwrite, setOverwrite] = useState('never');
  const run = useRun<RestoreOutcome>('Restore');
  const submit = (e: Event): void => {
    e.preventDefault();
    run.start({ store, snapshot, paths, target: target.trim(), overwrite });
  };
  return (
    <StoreFrame props={props} title="Restore">
      <p>
        From snapshot <Link href={treeUrl(store, snapshot, '')}>{shortId(snapshot)}</Link>:{' '}
        {paths.length === 0 ? 'all of it' : `${paths.length} selected path(s)`}
      </p>
      {paths.length > 0 ? (
        <ul class="selection">
          {paths.map((p) => (
            <li key={p} class="wrap">
              {p}
            </li>
          ))}
        </ul>
      ) : null}
      <form class="filters" onSubmit={submit} aria-label="Restore">
        {consoleHome ? (
          <DestinationPicker value={target} onChange={setTarget} />
        ) : (
          <Field id="r-target" label="Restore into this local folder" hint="an absolute path on the machine running the viewer">
            <input id="r-target" value={target} required onInput={(e) => setTarget(e.currentTarget.value)} />
          </Field>
        )}
        <Field id="r-overwrite" label="Files that exist already">
          <select id="r-overwrite" value={overwrite} onChange={(e) => setOverwrite(e.currentTarget.value)}>
            <option value="never">keep them (skip)</option>
            <option value="if-changed">replace them if different</option>
            <option value="always">always replace them</option>
          </select>
        </Field>
        <RunButtons run={run} label="Restore" disabled={target.trim() === ''} />
      </form>
      <RunStatus run={run} label="Restore progress" />
      {run.result ? <Result r={run.result} /> : null}
    </StoreFrame>
  );
}
