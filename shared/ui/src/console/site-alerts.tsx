/**
 * The NATS sites whose leaf node does not answer, as alerts: one paragraph per site
 * (class `site-down`, `data-site`), with when it went down (the earliest its agents
 * report) and what that means for its jobs. Revoked agents do not count. Shown on the
 * dashboard and above the agents list; renders nothing when every site answers.
 */
import type { JSX } from 'preact';
import { ago, when } from './format.js';
import type { Agent } from './wire.js';

/** The sites whose link is down, each with when it went down, sorted by name. */
export function unreachableSites(agents: readonly Agent[]): { site: string; sinceMs: number }[] {
  const out = new Map<string, number>();
  for (const a of agents) {
    const since = Number(a.siteUnreachableSinceMs ?? 0);
    if (since > 0 && a.site && !a.revoked) out.set(a.site, Math.min(since, out.get(a.site) ?? since));
  }
  return [...out].map(([site, sinceMs]) => ({ site, sinceMs })).sort((x, y) => x.site.localeCompare(y.site));
}

export function SiteAlerts({ agents, nowMs }: { readonly agents: readonly Agent[]; readonly nowMs: number }): JSX.Element {
  return (
    <>
      {unreachableSites(agents).map((s) => (
        <p key={s.site} class="error site-down" role="alert" data-site={s.site}>
          Site <strong>{s.site}</strong> is unreachable since {when(s.sinceMs)} ({ago(s.sinceMs, nowMs)}): its NATS leaf node does not answer, so its agents take no jobs; their jobs wait and run when the link is back.
        </p>
      ))}
    </>
  );
}
