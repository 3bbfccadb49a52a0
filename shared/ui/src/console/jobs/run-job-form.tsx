/**
 * Starting a job from the console (operators and admins): a backup of a source into a
 * store, or a verify of a store (fast: structure only, or a share of the data). The
 * stores and sources come from the catalog; the API's problems appear beside their
 * fields. On success the caller gets the new job's id (the jobs page opens it).
 */
import type { JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ctl } from '../api.js';
import { fieldErrors, NO_ERRORS, type FieldErrors } from '../api-error.js';
import { usePoll } from '../use-poll.js';
import { ErrorLine, Field } from '../widgets.js';
import type { JobSpec } from '../wire.js';

function Pick(p: { readonly label: string; readonly value: string; readonly choices: readonly string[]; readonly onChange: (v: string) => void; readonly error?: string | undefined }): JSX.Element {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      <select id={id} value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)} aria-describedby={p.error ? `${id}-err` : undefined}>
        <option value="">— choose —</option>
        {p.choices.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
      {p.error && <span class="field-error" id={`${id}-err`}>{p.error}</span>}
    </div>
  );
}

export function RunJobForm({ onStarted }: { readonly onStarted: (id: string) => void }): JSX.Element {
  const [kind, setKind] = useState<'backup' | 'verify'>('backup');
  const [source, setSource] = useState('');
  const [store, setStore] = useState('');
  const [subset, setSubset] = useState('');
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const catalog = usePoll(async (signal) => {
    const [so, st] = await Promise.all([ctl('ListSources', {}, signal), ctl('ListStores', {}, signal)]);
    return { sources: (so.sources ?? []).map((s) => s.name ?? ''), stores: (st.stores ?? []).map((s) => s.name ?? '') };
  }, 0, []);
  const run = async (e: Event): Promise<void> => {
    e.preventDefault();
    const spec: JobSpec = kind === 'backup' ? { backup: { source, store } } : { verify: { store, fast: subset === 'fast', readDataSubset: subset === 'fast' ? '' : subset } };
    setBusy(true);
    try {
      const job = await ctl('RunJob', { spec });
      setErrors(NO_ERRORS);
      onStarted(job.id ?? '');
    } catch (err) {
      setErrors(fieldErrors(err, ['source', 'store', 'read_data_subset']));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="panel run-job">
      <summary>Run a job now</summary>
      <form aria-label="Run a job" onSubmit={(e) => void run(e)}>
        <Pick label="Kind" value={kind} choices={['backup', 'verify']} onChange={(v) => setKind(v === 'verify' ? 'verify' : 'backup')} />
        {kind === 'backup' && <Pick label="Source" value={source} choices={catalog.data?.sources ?? []} onChange={setSource} error={errors.byField.source} />}
        <Pick label="Store" value={store} choices={catalog.data?.stores ?? []} onChange={setStore} error={errors.byField.store} />
        {kind === 'verify' && <Field label="Data to read" value={subset} onInput={setSubset} error={errors.byField.read_data_subset} hint="empty: all; fast: structure only; or a share like 10%" />}
        <ErrorLine text={errors.rest || catalog.error} />
        <button type="submit" disabled={busy}>Start</button>
      </form>
    </details>
  );
}
