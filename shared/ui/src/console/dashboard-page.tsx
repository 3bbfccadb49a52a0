/**
 * The dashboard (/): every source with the age of its last successful backup (overdue
 * ones marked in words and color), jobs running now with their progress, failed jobs of
 * the last 24 hours linking to each job, agents online and offline (with an alert for each NATS site that does not answer), and store usage.
 * GetDashboard is polled every few seconds, so the page stays current without a reload.
 */
import type { JSX } from 'preact';
import { bytes } from '../../../src/format.js';
import { ctl } from './api.js';
import { AgentBadge, BackupBadge, ProgressLine, StateBadge } from './badges.js';
import { ago, kindName, span, when } from './format.js';
import { jobTarget } from './job-text.js';
import { SiteAlerts } from './site-alerts.js';
import { usePoll } from './use-poll.js';
import type { Dashboard } from './wire.js';
import { ErrorLine } from './widgets.js';
import { Link } from '../router.js';

const POLL_MS = 3000;
const now = (d: Dashboard): number => d.timeMs ?? Date.now();

function Sources({ d }: { readonly d: Dashboard }): JSX.Element {
  const sources = d.sources ?? [];
  if (sources.length === 0) return <p>No sources yet. Add one under <Link href="/catalog/sources">Catalog → Sources</Link>.</p>;
  return (
    <div class="scroll">
    <table class="list sources">
      <caption>Sources</caption>
      <thead>
        <tr><th scope="col">Source</th><th scope="col">Agent</th><th scope="col">Last backup</th><th scope="col">Status</th><th scope="col">Schedule</th><th scope="col">Next run</th></tr>
      </thead>
      <tbody>
        {sources.map((s) => (
          <tr key={s.source?.name} class={s.overdue ? 'overdue' : undefined} data-source={s.source?.name}>
            <th scope="row">{s.source?.name}</th>
            <td>{s.source?.agent}</td>
            <td>{s.lastJobId ? <Link href={`/jobs/${encodeURIComponent(s.lastJobId)}`}>{ago(s.lastSuccessMs, now(d))}</Link> : ago(s.lastSuccessMs, now(d))}</td>
            <td><BackupBadge overdue={s.overdue} last={s.lastSuccessMs} /></td>
            <td>{s.schedules?.length ? `${s.schedules.join(', ')}${s.expectedIntervalMs ? ` (every ${span(s.expectedIntervalMs)})` : ''}` : 'unscheduled'}</td>
            <td>{s.nextRunMs ? ago(s.nextRunMs, now(d)) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

function Jobs({ d }: { readonly d: Dashboard }): JSX.Element {
  return (
    <div class="dash-jobs">
      <section aria-labelledby="dash-running">
        <h2 id="dash-running">Running now</h2>
        {!d.runningJobs?.length ? <p>No job is running.</p> : (
          <ul class="plain">
            {d.runningJobs.map((j) => (
              <li key={j.id}>
                <Link href={`/jobs/${encodeURIComponent(j.id ?? '')}`}>{kindName(j.kind)} {jobTarget(j)}</Link> on {j.agent || '—'} <StateBadge state={j.state} />{' '}
                <ProgressLine progress={j.progress} label={`progress of job ${j.id}`} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="dash-failed">
        <h2 id="dash-failed">Failed in the last 24 h</h2>
        {!d.failedJobs?.length ? <p>No failed jobs.</p> : (
          <ul class="plain failed-jobs">
            {d.failedJobs.map((j) => (
              <li key={j.id}>
                <Link href={`/jobs/${encodeURIComponent(j.id ?? '')}`}>{kindName(j.kind)} {jobTarget(j)}</Link> <StateBadge state={j.state} /> {when(j.finishedMs)}
                {j.result?.error && <div class="job-error">{j.result.error}</div>}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function Agents({ d }: { readonly d: Dashboard }): JSX.Element {
  const agents = d.agents ?? [];
  const online = agents.filter((a) => a.connected && !a.revoked).length;
  return (
    <section aria-labelledby="dash-agents">
      <h2 id="dash-agents">Agents: {online} online, {agents.length - online} offline</h2>
      <SiteAlerts agents={agents} nowMs={now(d)} />
      <ul class="plain inline">
        {agents.map((a) => (
          <li key={a.name}>
            <Link href="/agents">{a.name}</Link> <AgentBadge agent={a} /> {a.connected ? '' : `seen ${ago(a.lastSeenMs, now(d))}`}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Stores({ d }: { readonly d: Dashboard }): JSX.Element {
  return (
    <div class="scroll">
    <table class="list">
      <caption>Store usage</caption>
      <thead>
        <tr><th scope="col">Store</th><th scope="col">Snapshots</th><th scope="col">Logical size</th><th scope="col">Stored (added)</th><th scope="col">Last snapshot</th><th scope="col">Last verify</th></tr>
      </thead>
      <tbody>
        {(d.stores ?? []).map((s) => (
          <tr key={s.store}>
            <th scope="row"><Link href={`/stores/${encodeURIComponent(s.store ?? '')}/snapshots`}>{s.store}</Link></th>
            <td>{s.snapshots ?? 0}</td>
            <td>{bytes(s.logicalBytes ?? 0)}</td>
            <td>{bytes(s.addedBytes ?? 0)}</td>
            <td>{ago(s.lastSnapshotMs, now(d))}</td>
            <td>{s.lastVerifyMs ? <>{s.lastVerifyOk ? '✓ ok' : '✗ failed'}, {ago(s.lastVerifyMs, now(d))}</> : 'never'}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

export function DashboardPage(): JSX.Element {
  const { data, error } = usePoll((signal) => ctl('GetDashboard', {}, signal), POLL_MS, []);
  return (
    <div class="console-page dashboard">
      <h1>Dashboard</h1>
      <ErrorLine text={error} />
      {!data ? <p aria-busy="true">Loading…</p> : (
        <>
          <Sources d={data} />
          <Jobs d={data} />
          <Agents d={data} />
          <Stores d={data} />
          <p class="muted">As of {when(data.timeMs, true)}; refreshed every {POLL_MS / 1000} s.</p>
        </>
      )}
    </div>
  );
}
