/** Agents as the API shows them: the catalog's record, whether connected now, and the jobs each runs. */
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Agent } from '@coffer/shared/gen/coffer/v1/controller.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';

export function agentViews(catalog: Catalog, dispatcher: Dispatcher): Agent[] {
  // One count of the active jobs for all agents, not a query per agent.
  const running = new Map<string, number>();
  for (const c of catalog.jobs.countByAgentAndStore([JobState.JOB_STATE_DISPATCHED, JobState.JOB_STATE_RUNNING])) running.set(c.agent, (running.get(c.agent) ?? 0) + c.n);
  return catalog.agents.list().map((a) => {
    const { localStores: _l, nats, ...rest } = a;
    const site = nats?.site ?? '';
    const state = site !== '' ? dispatcher.sites.get(site) : undefined;
    return { ...rest, connected: dispatcher.registry.get(a.id) !== undefined, runningJobs: running.get(a.name) ?? 0, site, siteUnreachableSinceMs: state && !state.reachable ? state.sinceMs : 0 };
  });
}
