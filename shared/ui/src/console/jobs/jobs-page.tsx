/**
 * Jobs (/jobs): the newest jobs, filtered by kind, state, agent, source, store and date
 * (the filters live in the URL), polled every few seconds so states and progress move
 * without a reload. Each row links to the job's page. Operators and admins can start a
 * backup or a verify from here (RunJobForm).
 */
import type { JSX } from 'preact';
import { useId } from 'preact/hooks';
import type { PageProps } from '../../router-types.js';
import { ctl, navigate } from '../api.js';
import { ProgressLine, StateBadge } from '../badges.js';
import { KINDS, STATES, kindName, when } from '../format.js';
import { jobTarget } from '../job-text.js';
import { useCan } from '../session.js';
import { usePoll } from '../use-poll.js';
import { ErrorLine } from '../widgets.js';
import { filtersOf, listRequest, queryOf, type Filters } from './job-filters.js';
import { RunJobForm } from './run-job-form.js';
import { Link } from '../../router.js';

const LIMIT = 200;

function FilterInput(p: { readonly name: keyof Filters; readonly label: string; readonly f: Filters; readonly choices?: readonly string[]; readonly type?: 'date' }): JSX.Element {
  const id = useId();
  const set = (v: string): void => navigate(`/jobs${queryOf({ ...p.f, [p.name]: v })}`, { replace: true });
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      {p.choices ? (
        <select id={id} value={p.f[p.name]} onChange={(e) => set(e.currentTarget.value)}>
          <option value="">any</option>
          {p.choices.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      ) : (
        <input id={id} {...({ type: p.type ?? 'text' } as { type: 'text' })} value={p.f[p.name]} onChange={(e) => set(e.currentTarget.value.trim())} />
      )}
    </div>
  );
}

export function JobsPage({ query }: PageProps): JSX.Element {
  const f = filtersOf(query);
  const operate = useCan('operate');
  const { data, error, reload } = usePoll(async (signal) => (await ctl('ListJobs', listRequest(f, LIMIT), signal)).jobs ?? [], 3000, [queryOf(f)]);
  return (
    <div class="console-page jobs">
      <h1>Jobs</h1>
      <form class="filters" aria-label="Filter jobs" onSubmit={(e) => e.preventDefault()}>
        <FilterInput name="kind" label="Kind" f={f} choices={KINDS} />
        <FilterInput name="state" label="State" f={f} choices={STATES} />
        <FilterInput name="agent" label="Agent" f={f} />
        <FilterInput name="source" label="Source" f={f} />
        <FilterInput name="store" label="Store" f={f} />
        <FilterInput name="since" label="Since" f={f} type="date" />
        <FilterInput name="until" label="Until" f={f} type="date" />
        {queryOf(f) && <Link href="/jobs">Clear filters</Link>}
      </form>
      {operate && <RunJobForm onStarted={(id) => (reload(), navigate(`/jobs/${encodeURIComponent(id)}`))} />}
      <ErrorLine text={error} />
      {!data ? <p aria-busy="true">Loading…</p> : data.length === 0 ? <p>No job matches.</p> : (
        <div class="scroll">
          <table class="list">
            <caption class="sr-only">Jobs, newest first</caption>
            <thead>
              <tr><th scope="col">Job</th><th scope="col">Kind</th><th scope="col">On</th><th scope="col">State</th><th scope="col">Agent</th><th scope="col">Attempt</th><th scope="col">Created</th><th scope="col">Progress or error</th></tr>
            </thead>
            <tbody>
              {data.map((j) => (
                <tr key={j.id} data-job={j.id}>
                  <th scope="row"><Link href={`/jobs/${encodeURIComponent(j.id ?? '')}`}>{(j.id ?? '').slice(0, 12)}</Link></th>
                  <td>{kindName(j.kind)}</td>
                  <td>{jobTarget(j)}</td>
                  <td><StateBadge state={j.state} /></td>
                  <td>{j.agent || '—'}</td>
                  <td>{j.attempt ?? 0} of {j.maxAttempts ?? 1}</td>
                  <td>{when(j.createdMs)}</td>
                  <td>{j.state === 'JOB_STATE_FAILED' ? <span class="job-error">{j.result?.error}</span> : <ProgressLine progress={j.progress} label={`progress of job ${j.id ?? ''}`} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
