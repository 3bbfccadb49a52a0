/**
 * Schedules (/catalog/schedules): each schedule with what it runs, when (cron and zone or
 * interval), its next and last run (linking to the job) and whether it is paused. Admins
 * add, edit (ScheduleForm, with the next five runs shown before saving), pause or resume
 * (SetSchedulePaused) and remove (after a confirmation).
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ctl } from '../api.js';
import { messageOf } from '../api-error.js';
import { ago, kindName, span, when } from '../format.js';
import { useCan } from '../session.js';
import { usePoll } from '../use-poll.js';
import type { Schedule } from '../wire.js';
import { ErrorLine, RemoveButton, Table } from '../widgets.js';
import { CatalogNav } from './catalog-nav.js';
import { ScheduleForm } from './schedule-form.js';
import { blankSchedule, valuesOf, type ScheduleValues } from './schedule-values.js';
import { Link } from '../../router.js';

function timing(s: Schedule): string {
  const t = s.cron ? `cron ${s.cron}${s.timezone ? ` (${s.timezone})` : ''}` : `every ${span((s.everySeconds ?? 0) * 1000)}`;
  return s.jitterSeconds ? `${t}, jitter ${span((s.jitterSeconds ?? 0) * 1000)}` : t;
}

function PauseButton({ s, done }: { readonly s: Schedule; readonly done: () => void }): JSX.Element {
  const [error, setError] = useState('');
  const flip = async (): Promise<void> => {
    try {
      await ctl('SetSchedulePaused', { name: s.name ?? '', paused: !s.paused });
      setError('');
      done();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <>
      <button type="button" onClick={() => void flip()} aria-label={`${s.paused ? 'Resume' : 'Pause'} schedule ${s.name}`}>{s.paused ? 'Resume' : 'Pause'}</button>
      <ErrorLine text={error} />
    </>
  );
}

export function SchedulesPage(): JSX.Element {
  const manage = useCan('manage');
  const { data, error, reload } = usePoll(async (signal) => {
    const [schedules, sources, stores] = await Promise.all([ctl('ListSchedules', {}, signal), ctl('ListSources', {}, signal), ctl('ListStores', {}, signal)]);
    return { now: Date.now(), schedules: schedules.schedules ?? [], sources: (sources.sources ?? []).map((s) => s.name ?? ''), stores: (stores.stores ?? []).map((s) => s.name ?? '') };
  }, 10_000, []);
  const [form, setForm] = useState<{ values: ScheduleValues; editing: boolean } | undefined>();

  return (
    <div class="console-page catalog schedules">
      <h1>Catalog: Schedules</h1>
      <CatalogNav />
      <ErrorLine text={error} />
      {manage && !form && <button type="button" onClick={() => setForm({ values: blankSchedule(), editing: false })}>Add a schedule</button>}
      {form && data && (
        <ScheduleForm
          key={form.values.name}
          initial={form.values}
          editing={form.editing}
          sources={data.sources}
          stores={data.stores}
          onDone={() => (setForm(undefined), reload())}
          onCancel={() => setForm(undefined)}
        />
      )}
      {!data ? <p aria-busy="true">Loading…</p> : data.schedules.length === 0 ? <p>No schedule yet.</p> : (
        <Table
          caption="Schedules"
          head={['Name', 'Runs', 'When', 'Next run', 'Last run', 'State', ...(manage ? [''] : [])]}
          rows={data.schedules}
          row={(s) => (
            <tr key={s.name} data-name={s.name}>
              <th scope="row">{s.name}</th>
              <td>{kindName(s.kind)} {s.source ? `${s.source} → ` : ''}{s.store}</td>
              <td>{timing(s)}</td>
              <td>{s.paused ? '—' : <span title={when(s.nextRunMs)}>{ago(s.nextRunMs, data.now)}</span>}</td>
              <td>{s.lastJobId ? <Link href={`/jobs/${encodeURIComponent(s.lastJobId)}`}>{ago(s.lastRunMs, data.now)}</Link> : ago(s.lastRunMs, data.now)}</td>
              <td>{s.paused ? <span class="badge tone-wait">paused</span> : <span class="badge tone-ok">active</span>}</td>
              {manage && (
                <td class="actions">
                  <PauseButton s={s} done={reload} />
                  <button type="button" onClick={() => setForm({ values: valuesOf(s), editing: true })} aria-label={`Edit schedule ${s.name ?? ''}`}>Edit</button>
                  <RemoveButton noun="schedule" name={s.name ?? ''} note="Its jobs stay in the history." remove={async () => (await ctl('RemoveSchedule', { name: s.name ?? '' }), reload())} />
                </td>
              )}
            </tr>
          )}
        />
      )}
    </div>
  );
}
