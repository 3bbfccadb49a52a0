/**
 * The snapshot filter form: source, host and tag chosen from the store's own lists, and a
 * date range. Submitting it (Enter or the button) hands the new query to `onApply`, which
 * puts it in the URL; "Clear" drops every filter. The form is a real <form> with labels on
 * every control.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { StoreInfo } from '../api/types.js';
import { Field } from '../components/controls.js';

export function Choice({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: readonly string[]; onChange: (v: string) => void }): JSX.Element {
  return (
    <Field id={id} label={label}>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** "From" and "To" day inputs (YYYY-MM-DD), with ids `<prefix>-since` and `<prefix>-until`. */
export function DateRange({ prefix, since, until, set }: { prefix: string; since: string; until: string; set: (k: 'since' | 'until', v: string) => void }): JSX.Element {
  return (
    <>
      {(
        [
          ['since', 'From', since],
          ['until', 'To', until],
        ] as const
      ).map(([k, label, value]) => (
        <Field key={k} id={`${prefix}-${k}`} label={label}>
          <input id={`${prefix}-${k}`} type="date" value={value} onInput={(e) => set(k, e.currentTarget.value)} />
        </Field>
      ))}
    </>
  );
}

export function SnapshotFilters({ info, st, onApply }: { info: StoreInfo; st: Record<string, string>; onApply: (q: Record<string, string>) => void }): JSX.Element {
  const [f, setF] = useState({ source: st.source ?? '', host: st.host ?? '', tag: st.tag ?? '', since: st.since ?? '', until: st.until ?? '' });
  const set = (k: keyof typeof f) => (v: string) => setF((o) => ({ ...o, [k]: v }));
  const submit = (e: Event): void => {
    e.preventDefault();
    onApply({ ...f, sort: st.sort ?? '', asc: st.asc ?? '' });
  };
  const clear = (): void => {
    setF({ source: '', host: '', tag: '', since: '', until: '' });
    onApply({});
  };
  return (
    <form class="filters" onSubmit={submit} aria-label="Filter snapshots">
      <Choice id="f-source" label="Source" value={f.source} options={info.sources ?? []} onChange={set('source')} />
      <Choice id="f-host" label="Host" value={f.host} options={info.hosts ?? []} onChange={set('host')} />
      <Choice id="f-tag" label="Tag" value={f.tag} options={info.tags ?? []} onChange={set('tag')} />
      <DateRange prefix="f" since={f.since} until={f.until} set={(k, v) => set(k)(v)} />
      <div class="buttons">
        <button type="submit">Apply</button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
