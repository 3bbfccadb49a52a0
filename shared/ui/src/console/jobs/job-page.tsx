/**
 * One job (/jobs/<id>): what it does, its state and live progress (pushed by the server
 * over WatchJob, so it moves without a reload), the result (error, or the snapshot it
 * made, linking to it), every state change with its message (each attempt and why it
 * failed), and the job's log (GetJobLogs, refreshed while it runs). Operators and admins
 * can cancel an unfinished job and run a finished one again (RerunJob, which opens the new
 * job).
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { PageProps } from '../../router-types.js';
import { ctl, navigate } from '../api.js';
import { messageOf } from '../api-error.js';
import { ProgressLine, StateBadge } from '../badges.js';
import { isFinal, kindName, stateName, when } from '../format.js';
import { jobTarget } from '../job-text.js';
import { useCan } from '../session.js';
import { usePoll } from '../use-poll.js';
import { ConfirmButton, ErrorLine } from '../widgets.js';
import type { Job } from '../wire.js';
import { useJob } from './use-job.js';
import { Link } from '../../router.js';

function Facts({ job }: { readonly job: Job }): JSX.Element {
  const snap = job.result?.snapshot;
  return (
    <dl class="facts">
      <dt>State</dt>
      <dd><StateBadge state={job.state} /></dd>
      <dt>On</dt>
      <dd>{jobTarget(job)}</dd>
      <dt>Agent</dt>
      <dd>{job.agent || 'not assigned yet'}</dd>
      <dt>Attempt</dt>
      <dd>{job.attempt ?? 0} of {job.maxAttempts ?? 1}</dd>
      {job.schedule && (<><dt>Schedule</dt><dd>{job.schedule}</dd></>)}
      <dt>Created</dt>
      <dd>{when(job.createdMs, true)}</dd>
      <dt>Started</dt>
      <dd>{when(job.startedMs, true)}</dd>
      <dt>Finished</dt>
      <dd>{isFinal(job.state) ? when(job.finishedMs, true) : 'not yet'}</dd>
      {job.result?.error && (<><dt>Error</dt><dd class="job-error">{job.result.error}</dd></>)}
      {snap?.id && (
        <>
          <dt>Snapshot</dt>
          <dd><Link href={`/stores/${encodeURIComponent(snap.store ?? '')}/snapshots/${encodeURIComponent(snap.id)}/tree/`}>{snap.id.slice(0, 12)}</Link> in {snap.store}</dd>
        </>
      )}
    </dl>
  );
}

function History({ job }: { readonly job: Job }): JSX.Element {
  return (
    <section aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      <ol class="history">
        {(job.history ?? []).map((h, i) => (
          <li key={i} class={h.state === 'JOB_STATE_FAILED' || (h.message && h.state === 'JOB_STATE_QUEUED' && i > 0) ? 'attempt-failed' : undefined}>
            <time>{when(h.timeMs, true)}</time> <StateBadge state={h.state} /> {h.message}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Logs({ id, final }: { readonly id: string; readonly final: boolean }): JSX.Element {
  const { data, error } = usePoll(async (signal) => (await ctl('GetJobLogs', { id }, signal)).lines ?? [], final ? 0 : 3000, [id, final]);
  return (
    <section aria-labelledby="logs-h">
      <h2 id="logs-h">Log</h2>
      <ErrorLine text={error} />
      {!data ? <p aria-busy="true">Loading…</p> : data.length === 0 ? <p>Nothing logged yet.</p> : (
        <pre class="logs" tabIndex={0} aria-label="job log">
          {data.map((l, i) => <div key={i} class={`log-${l.level ?? 'info'}`}>{when(l.timeMs, true)} {l.level ?? 'info'} {l.text}</div>)}
        </pre>
      )}
    </section>
  );
}

function RerunButton({ id }: { readonly id: string }): JSX.Element {
  const [error, setError] = useState('');
  const rerun = async (): Promise<void> => {
    try {
      const j = await ctl('RerunJob', { id });
      navigate(`/jobs/${encodeURIComponent(j.id ?? '')}`);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <>
      <button type="button" onClick={() => void rerun()}>Run again</button>
      <ErrorLine text={error} />
    </>
  );
}

export function JobPage({ params }: PageProps): JSX.Element {
  const id = params.id ?? '';
  const operate = useCan('operate');
  const { job, error, pushed, refresh } = useJob(id);
  const final = job ? isFinal(job.state) : false;
  return (
    <div class="console-page job">
      <h1>{job ? `${kindName(job.kind)} job ${id.slice(0, 12)}` : `Job ${id.slice(0, 12)}`}</h1>
      <ErrorLine text={error} />
      {!job ? <p aria-busy="true">Loading…</p> : (
        <>
          <Facts job={job} />
          {!final && (
            <p class="live" aria-live="polite">
              <ProgressLine progress={job.progress} label="job progress" /> {pushed > 0 ? <span class="muted">(live)</span> : null}
            </p>
          )}
          {operate && (
            <div class="actions">
              {!final && <ConfirmButton label="Cancel job" danger question={<>Cancel this {kindName(job.kind)} job ({stateName(job.state)})?</>} confirmLabel="Cancel the job" onConfirm={async () => (await ctl('CancelJob', { id }), refresh())} />}
              {final && <RerunButton id={id} />}
            </div>
          )}
          <History job={job} />
          <Logs id={id} final={final} />
        </>
      )}
    </div>
  );
}
