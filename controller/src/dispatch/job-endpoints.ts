/** What a job needs from the catalog: its store, the agent it must run on, the endpoints sent with it. */
import type { Endpoint } from '@coffer/shared/gen/coffer/v1/agent.js';
import type { JobSpec } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Catalog } from '../catalog/catalog.js';
import type { JobRecord } from '../catalog/jobs.js';

/** The store a job works on. */
export function jobStore(spec: JobSpec): string {
  return spec.spec?.value.store ?? '';
}

/** The agent a job must run on (backups: the source's; restores: the destination's), or undefined for any suitable agent. */
export function requiredAgent(catalog: Catalog, job: Pick<JobRecord, 'spec'>): string | undefined {
  const s = job.spec.spec;
  if (s?.$case === 'backup') return catalog.sources.get(s.value.source)?.agent ?? '';
  if (s?.$case === 'restore') return catalog.destinations.get(s.value.destination)?.agent ?? '';
  return undefined;
}

function endpoint(e: { name: string; location: string; options: Record<string, string> } | undefined): Endpoint | undefined {
  return e ? { name: e.name, location: e.location, options: e.options } : undefined;
}

/** The endpoints sent with a job (no secrets: the passphrase travels separately). */
export function endpointsFor(catalog: Catalog, job: Pick<JobRecord, 'spec' | 'store'>): { store: Endpoint | undefined; source: Endpoint | undefined; destination: Endpoint | undefined } {
  const s = job.spec.spec;
  return {
    store: endpoint(catalog.stores.get(job.store)),
    source: s?.$case === 'backup' || (s?.$case === 'forget' && s.value.source !== '') ? endpoint(catalog.sources.get(s.value.source)) : undefined,
    destination: s?.$case === 'restore' ? endpoint(catalog.destinations.get(s.value.destination)) : undefined,
  };
}
