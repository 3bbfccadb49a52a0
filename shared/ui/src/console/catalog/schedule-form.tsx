/**
 * The add/edit form of a schedule: kind, source and store (picked from the catalog),
 * cron and time zone or an interval, jitter, missed-run policy, retention (backup and
 * forget), read-data subset (verify), tags. While it is edited, the next five runs are
 * asked from PreviewSchedule (300 ms after the last keystroke) and shown beside the form,
 * or the problems that keep the schedule from running; nothing is saved until "Add" or
 * "Save changes". The API's problems on saving appear next to their fields.
 */
import type { JSX } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import { ctl } from '../api.js';
import { fieldErrors, type FieldErrors } from '../api-error.js';
import { ago, when } from '../format.js';
import { ErrorLine, Field } from '../widgets.js';
import { scheduleOf, type ScheduleValues } from './schedule-values.js';

const FIELDS = ['name', 'kind', 'source', 'store', 'cron', 'timezone', 'every_seconds', 'jitter_seconds', 'missed', 'retention', 'keep_last', 'keep_hourly', 'keep_daily', 'keep_weekly', 'keep_monthly', 'keep_yearly', 'keep_within', 'keep_tags', 'read_data_subset', 'tags'];

export interface ScheduleFormProps {
  readonly initial: ScheduleValues;
  readonly editing: boolean;
  readonly sources: readonly string[];
  readonly stores: readonly string[];
  readonly onDone: () => void;
  readonly onCancel: () => void;
}

function Select(p: { readonly label: string; readonly value: string; readonly choices: readonly string[]; readonly onChange: (v: string) => void; readonly error?: string | undefined; readonly blank?: string }): JSX.Element {
  const id = useId();
  return (
    <div class={`field${p.error ? ' field-invalid' : ''}`}>
      <label for={id}>{p.label}</label>
      <select id={id} value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)} aria-invalid={p.error ? 'true' : undefined} aria-describedby={p.error ? `${id}-err` : undefined}>
        {p.blank !== undefined && <option value="">{p.blank}</option>}
        {p.choices.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
      {p.error && <span class="field-error" id={`${id}-err`}>{p.error}</span>}
    </div>
  );
}

/** The next runs, asked again whenever the values change. */
function usePreview(v: ScheduleValues): { runs: readonly number[]; problems: FieldErrors; now: number } {
  const [state, setState] = useState<{ runs: readonly number[]; problems: FieldErrors; now: number }>({ runs: [], problems: { byField: {}, rest: '' }, now: Date.now() });
  useEffect(() => {
    const ac = new AbortController();
    const timer = setTimeout(() => {
      const { schedule, problems } = scheduleOf(v);
      if (Object.keys(problems).length > 0) return setState({ runs: [], problems: { byField: problems, rest: '' }, now: Date.now() });
      ctl('PreviewSchedule', { schedule: { ...schedule, name: schedule.name || 'preview' }, count: 5 }, ac.signal).then(
        (r) => setState({ runs: r.runsMs ?? [], problems: { byField: {}, rest: '' }, now: Date.now() }),
        (err: unknown) => ac.signal.aborted || setState({ runs: [], problems: fieldErrors(err, FIELDS), now: Date.now() }),
      );
    }, 300);
    return () => (clearTimeout(timer), ac.abort());
  }, [JSON.stringify(v)]);
  return state;
}

function Preview({ v }: { readonly v: ScheduleValues }): JSX.Element {
  const { runs, problems, now } = usePreview(v);
  const listed = Object.entries(problems.byField).map(([f, m]) => `${f}: ${m}`).concat(problems.rest ? [problems.rest] : []);
  return (
    <section class="panel preview" aria-labelledby="preview-h" aria-live="polite">
      <h3 id="preview-h">Next five runs</h3>
      {listed.length > 0 ? <ul class="problems">{listed.map((p) => <li key={p}>{p}</li>)}</ul> : (
        <ol class="next-runs">{runs.map((t) => <li key={t}>{when(t)} ({ago(t, now)})</li>)}</ol>
      )}
    </section>
  );
}

export function ScheduleForm(p: ScheduleFormProps): JSX.Element {
  const [v, setV] = useState<ScheduleValues>(p.initial);
  const [errors, setErrors] = useState<FieldErrors>({ byField: {}, rest: '' });
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof ScheduleValues>(k: K) => (x: ScheduleValues[K]): void => setV({ ...v, [k]: x });
  const e = (f: string): string | undefined => errors.byField[f];
  const save = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    const { schedule, problems } = scheduleOf(v);
    if (Object.keys(problems).length > 0) return setErrors({ byField: problems, rest: '' });
    setBusy(true);
    try {
      await ctl(p.editing ? 'UpdateSchedule' : 'AddSchedule', { schedule });
      p.onDone();
    } catch (err) {
      setErrors(fieldErrors(err, FIELDS));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="schedule-edit">
      <form class="panel entity-form" aria-label={p.editing ? `Edit schedule ${v.name}` : 'Add a schedule'} onSubmit={(ev) => void save(ev)}>
        <h2>{p.editing ? `Edit schedule ${v.name}` : 'Add a schedule'}</h2>
        <Field label="Name" value={v.name} onInput={set('name')} error={e('name')} disabled={p.editing} required />
        <Select label="Kind" value={v.kind} choices={['backup', 'verify', 'forget']} onChange={(x) => set('kind')(x as ScheduleValues['kind'])} error={e('kind')} />
        {v.kind !== 'verify' && <Select label={v.kind === 'forget' ? 'Source (optional)' : 'Source'} value={v.source} choices={p.sources} onChange={set('source')} error={e('source')} blank="— choose a source —" />}
        <Select label="Store" value={v.store} choices={p.stores} onChange={set('store')} error={e('store')} blank="— choose a store —" />
        <Select label="Timing" value={v.timing} choices={['cron', 'every']} onChange={(x) => set('timing')(x as ScheduleValues['timing'])} />
        {v.timing === 'cron' ? (
          <>
            <Field label="Cron expression" value={v.cron} onInput={set('cron')} error={e('cron')} hint="minute hour day month weekday, e.g. 0 3 * * *" />
            <Field label="Time zone" value={v.timezone} onInput={set('timezone')} error={e('timezone')} hint="IANA, e.g. Europe/Paris; empty: UTC" />
          </>
        ) : <Field label="Every" value={v.every} onInput={set('every')} error={e('every_seconds')} hint="e.g. 30m, 6h, 1d" />}
        <Field label="Jitter" value={v.jitter} onInput={set('jitter')} error={e('jitter_seconds')} hint="each run starts up to this much later, e.g. 10m" />
        <Select label="Missed runs" value={v.missed} choices={['run-once', 'skip']} onChange={set('missed')} error={e('missed')} />
        {v.kind !== 'verify' && (
          <fieldset>
            <legend>Keep{v.kind === 'backup' ? ' (a forget follows each backup; empty: keep all)' : ''}</legend>
            <Field label="Last" value={v.keep_last} onInput={set('keep_last')} error={e('keep_last')} />
            <Field label="Hourly" value={v.keep_hourly} onInput={set('keep_hourly')} error={e('keep_hourly')} />
            <Field label="Daily" value={v.keep_daily} onInput={set('keep_daily')} error={e('keep_daily')} />
            <Field label="Weekly" value={v.keep_weekly} onInput={set('keep_weekly')} error={e('keep_weekly')} />
            <Field label="Monthly" value={v.keep_monthly} onInput={set('keep_monthly')} error={e('keep_monthly')} />
            <Field label="Yearly" value={v.keep_yearly} onInput={set('keep_yearly')} error={e('keep_yearly')} />
            <Field label="Within" value={v.keep_within} onInput={set('keep_within')} error={e('keep_within')} hint="e.g. 30d" />
            <Field label="Tagged" value={v.keep_tags} onInput={set('keep_tags')} error={e('keep_tags')} hint="snapshots with any of these tags, comma-separated" />
            <ErrorLine text={e('retention') ?? ''} />
          </fieldset>
        )}
        {v.kind === 'verify' && <Field label="Read data subset" value={v.read_data_subset} onInput={set('read_data_subset')} error={e('read_data_subset')} hint="e.g. 10%; empty: all data" />}
        <Field label="Tags (comma-separated)" value={v.tags} onInput={set('tags')} error={e('tags')} />
        <ErrorLine text={errors.rest} />
        <div class="actions">
          <button type="submit" disabled={busy}>{p.editing ? 'Save changes' : 'Add'}</button>
          <button type="button" onClick={p.onCancel}>Cancel</button>
        </div>
      </form>
      <Preview v={v} />
    </div>
  );
}
