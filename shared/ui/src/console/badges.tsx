/**
 * Status marks that carry their meaning in text, with color only as a second cue: a job
 * state ("failed"), a source's backup status ("overdue", "ok", "no backup yet"), an
 * agent's connection ("online", "offline", "revoked", "site S unreachable"), and a progress bar (a <progress>
 * element with its text beside it).
 */
import type { JSX } from 'preact';
import { stateName } from './format.js';
import { progressShare, progressText } from './job-text.js';
import type { Agent, JobStateName, Progress } from './wire.js';

const STATE_TONE: Partial<Record<JobStateName, string>> = {
  JOB_STATE_SUCCEEDED: 'ok',
  JOB_STATE_FAILED: 'bad',
  JOB_STATE_CANCELLED: 'muted',
  JOB_STATE_RUNNING: 'busy',
};

export function StateBadge({ state }: { readonly state: JobStateName | undefined }): JSX.Element {
  return <span class={`badge tone-${(state && STATE_TONE[state]) ?? 'wait'}`}>{stateName(state)}</span>;
}

export function AgentBadge({ agent }: { readonly agent: Agent }): JSX.Element {
  if (agent.revoked) return <span class="badge tone-muted">revoked</span>;
  if (Number(agent.siteUnreachableSinceMs ?? 0) > 0) return <span class="badge tone-bad">site {agent.site} unreachable</span>;
  return agent.connected ? <span class="badge tone-ok">online</span> : <span class="badge tone-bad">offline</span>;
}

export function BackupBadge({ overdue, last }: { readonly overdue: boolean | undefined; readonly last: number | undefined }): JSX.Element {
  if (overdue) return <span class="badge tone-bad">⚠ overdue</span>;
  if (!last) return <span class="badge tone-wait">no backup yet</span>;
  return <span class="badge tone-ok">✓ ok</span>;
}

/** A progress bar with its words; the words alone when the total is unknown. */
export function ProgressLine({ progress, label }: { readonly progress: Progress | undefined; readonly label: string }): JSX.Element | null {
  const text = progressText(progress);
  const share = progressShare(progress);
  if (!text) return null;
  return (
    <span class="progress-line">
      {share !== undefined && <progress max={1} value={share} aria-label={label} />}
      <span class="progress-text">{text}</span>
    </span>
  );
}
