/**
 * The jobs list's filters, kept in the URL (/jobs?kind=&state=&agent=&source=&store=&since=&until=)
 * so a filtered list can be shared and reloaded. `since`/`until` are local dates
 * (YYYY-MM-DD; until is inclusive, to the end of that day). Unknown kinds and states are
 * ignored rather than refused.
 */
import { kindOf, stateOf } from '../format.js';
import type { Calls } from '../wire.js';

export const FILTER_KEYS = ['kind', 'state', 'agent', 'source', 'store', 'since', 'until'] as const;
export type Filters = Record<(typeof FILTER_KEYS)[number], string>;

export function filtersOf(q: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const k of FILTER_KEYS) f[k] = q.get(k) ?? '';
  return f;
}

/** The query string of these filters, without empty ones ('' when none). */
export function queryOf(f: Filters): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k]) q.set(k, f[k]);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function day(s: string, end: boolean): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return 0;
  const t = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (end ? 1 : 0)).getTime();
  return Number.isFinite(t) ? t : 0;
}

/** The ListJobs request for these filters. */
export function listRequest(f: Filters, limit: number): Calls['ListJobs'][0] {
  const kind = kindOf(f.kind);
  const state = stateOf(f.state);
  return {
    limit,
    ...(kind ? { kinds: [kind] } : {}),
    ...(state ? { states: [state] } : {}),
    agent: f.agent,
    source: f.source,
    store: f.store,
    sinceMs: day(f.since, false),
    untilMs: day(f.until, true),
  };
}
