/**
 * The catalog a fleet run needs, made through the public API: one enrollment token per
 * agent, stores (one per STORE_AGENTS agents, each allowing every one of its agents'
 * jobs at once, so the store limit never throttles the run), and one source per agent
 * bound to it. Locations are never touched: the simulated agents do no real work.
 */
import type { FleetApi } from './api.js';
import type { AgentTicket } from './ipc.js';
import { forEachLimited } from './stats.js';

/** Agents that share one store. */
export const STORE_AGENTS = 100;
/** API calls in flight while provisioning. */
const SETUP_INFLIGHT = 16;
const TOKEN_TTL_S = 3600;

/** The fleet's names. */
export interface FleetLayout {
  readonly agents: readonly string[];
  /** Store of agent i is stores[storeOf(i)]. */
  readonly stores: readonly string[];
}

const pad = (i: number): string => String(i).padStart(5, '0');

/** Names of `n` agents and their stores. */
export function layout(n: number): FleetLayout {
  return {
    agents: Array.from({ length: n }, (_, i) => `sim-${pad(i)}`),
    stores: Array.from({ length: Math.ceil(n / STORE_AGENTS) }, (_, i) => `store-${pad(i)}`),
  };
}

/** Store of agent `i`. */
export function storeOf(f: FleetLayout, i: number): string {
  return f.stores[Math.floor(i / STORE_AGENTS)] ?? '';
}

/** Source of agent `i`. */
export function sourceOf(f: FleetLayout, i: number): string {
  return `src-${f.agents[i] ?? ''}`;
}

/** Creates the stores and one enrollment token per agent. */
export async function provisionStores(api: FleetApi, f: FleetLayout, maxJobsPerAgent: number): Promise<AgentTicket[]> {
  for (const s of f.stores) await api.addStore(s, `/srv/coffer/${s}`, { max_jobs: String(STORE_AGENTS * maxJobsPerAgent) }, 'fleet bench passphrase');
  const tickets: AgentTicket[] = new Array<AgentTicket>(f.agents.length);
  await forEachLimited(f.agents.length, SETUP_INFLIGHT, async (i) => {
    tickets[i] = { name: f.agents[i] ?? '', token: await api.createToken(TOKEN_TTL_S) };
  });
  return tickets;
}

/** Adds one source per enrolled agent (a source needs its agent enrolled). */
export async function provisionSources(api: FleetApi, f: FleetLayout): Promise<void> {
  await forEachLimited(f.agents.length, SETUP_INFLIGHT, (i) => api.addSource(sourceOf(f, i), `/srv/data/${f.agents[i] ?? ''}`, f.agents[i] ?? ''));
}
