/**
 * Agents (/agents): each agent's connection, version, host, labels, last contact,
 * running jobs (linking to them) and certificate expiry, polled every few seconds; a
 * NATS site whose leaf node does not answer is named in an alert above the list.
 * Admins may revoke an agent (after a confirmation) and enroll a new machine.
 */
import type { JSX } from 'preact';
import { ctl } from './api.js';
import { AgentBadge } from './badges.js';
import { EnrollPanel } from './enroll-panel.js';
import { ago, when } from './format.js';
import { SiteAlerts } from './site-alerts.js';
import { agentAddress, useCan, useSession } from './session.js';
import { usePoll } from './use-poll.js';
import type { Agent } from './wire.js';
import { ConfirmButton, ErrorLine } from './widgets.js';
import { Link } from '../router.js';

function labelsText(a: Agent): string {
  return Object.entries(a.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '—';
}

export function AgentsPage(): JSX.Element {
  const manage = useCan('manage');
  const session = useSession();
  const { data, error, reload } = usePoll(async (signal) => ({ agents: (await ctl('ListAgents', {}, signal)).agents ?? [], now: Date.now() }), 5000, []);
  return (
    <div class="console-page agents">
      <h1>Agents</h1>
      <ErrorLine text={error} />
      {data && <SiteAlerts agents={data.agents} nowMs={data.now} />}
      {!data ? <p aria-busy="true">Loading…</p> : data.agents.length === 0 ? <p>No agent is enrolled yet.</p> : (
        <div class="scroll">
          <table class="list">
            <caption class="sr-only">Enrolled agents</caption>
            <thead>
              <tr><th scope="col">Agent</th><th scope="col">State</th><th scope="col">Version</th><th scope="col">Host</th><th scope="col">Labels</th><th scope="col">Last seen</th><th scope="col">Jobs</th><th scope="col">Certificate until</th>{manage && <th scope="col"><span class="sr-only">Actions</span></th>}</tr>
            </thead>
            <tbody>
              {data.agents.map((a) => (
                <tr key={a.name} data-agent={a.name}>
                  <th scope="row">{a.name}</th>
                  <td><AgentBadge agent={a} /></td>
                  <td>{a.version || '—'}</td>
                  <td>{a.hostname || '—'}</td>
                  <td>{labelsText(a)}</td>
                  <td>{a.connected ? 'now' : ago(a.lastSeenMs, data.now)}</td>
                  <td><Link href={`/jobs?agent=${encodeURIComponent(a.name ?? '')}&state=running`}>{a.runningJobs ?? 0} running</Link> (at most {a.maxJobs || 2})</td>
                  <td>{when(a.certExpiresMs)}</td>
                  {manage && (
                    <td>
                      {!a.revoked && (
                        <ConfirmButton
                          label="Revoke"
                          danger
                          question={<>Revoke agent <strong>{a.name}</strong>? Its connection is closed and its certificate refused from now on; it must enroll again to come back.</>}
                          confirmLabel={`Revoke ${a.name}`}
                          onConfirm={async () => (await ctl('RevokeAgent', { name: a.name ?? '' }), reload())}
                        />
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {manage && <EnrollPanel controller={agentAddress(session)} />}
    </div>
  );
}
