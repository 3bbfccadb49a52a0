/**
 * Creating jobs (from the API or a schedule): validates the spec against the catalog
 * (every name must exist, every field make sense), picks defaults (attempts, deadline)
 * and queues the job; the dispatcher takes it from there.
 */
import { randomBytes } from 'node:crypto';
import { JobKind, type JobSpec } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Clock } from '@coffer/shared/clock.js';
import type { Catalog } from '../catalog/catalog.js';
import type { JobRecord } from '../catalog/jobs.js';
import { DEFAULT_JOB_WAIT_S, DEFAULT_MAX_ATTEMPTS } from '../defaults.js';
import { invalid, notFound } from '../api/api-error.js';
import { checkSubset } from '../api/validate.js';

/** Options of a new job. */
export interface SubmitOptions {
  /** 0: the default for the kind. */
  readonly maxAttempts?: number;
  /** 0: DEFAULT_JOB_WAIT_S. */
  readonly waitSeconds?: number;
  /** The schedule that started it. */
  readonly schedule?: string;
}

const KIND: Record<NonNullable<JobSpec['spec']>['$case'], JobKind> = {
  backup: JobKind.JOB_KIND_BACKUP,
  restore: JobKind.JOB_KIND_RESTORE,
  verify: JobKind.JOB_KIND_VERIFY,
  forget: JobKind.JOB_KIND_FORGET,
  maintenance: JobKind.JOB_KIND_MAINTENANCE,
  create: JobKind.JOB_KIND_CREATE,
};

function needStore(catalog: Catalog, name: string): void {
  if (name === '') throw invalid('store', 'a store is required');
  if (!catalog.stores.get(name)) throw notFound('store', name, "add it with 'coffer ctl store add' or check 'coffer ctl store list'");
}

/** Checks `spec` against the catalog; throws an ApiError naming the field. */
export function validateSpec(catalog: Catalog, spec: JobSpec | undefined): asserts spec is JobSpec & { spec: NonNullable<JobSpec['spec']> } {
  const s = spec?.spec;
  if (!s) throw invalid('spec', 'say what to run: backup, restore, verify, forget, maintenance or create');
  needStore(catalog, s.value.store);
  switch (s.$case) {
    case 'backup':
      if (s.value.source === '') throw invalid('source', 'a source is required');
      if (!catalog.sources.get(s.value.source)) throw notFound('source', s.value.source, "add it with 'coffer ctl source add' or check 'coffer ctl source list'");
      break;
    case 'restore':
      if (s.value.snapshot === '') throw invalid('snapshot', 'a snapshot id (or latest) is required');
      if (!/^[0-9a-zA-Z]+$/.test(s.value.snapshot)) throw invalid('snapshot', `'${s.value.snapshot}' is not a snapshot id; use an id, a unique prefix, or latest`);
      if (s.value.destination === '') throw invalid('destination', 'a destination is required');
      if (!catalog.destinations.get(s.value.destination)) throw notFound('destination', s.value.destination, "add it with 'coffer ctl destination add'");
      if (!['', 'never', 'if-changed', 'always'].includes(s.value.overwrite)) throw invalid('overwrite', `'${s.value.overwrite}' is not one of never, if-changed, always`);
      break;
    case 'verify':
      checkSubset('read_data_subset', s.value.readDataSubset);
      break;
    case 'forget': {
      const r = s.value.retention;
      const any = r && (r.keepLast || r.keepHourly || r.keepDaily || r.keepWeekly || r.keepMonthly || r.keepYearly || r.keepWithin !== '' || r.keepTags.length > 0);
      if (!any) throw invalid('retention', 'say what to keep (keep_last, keep_daily, ...); forgetting everything is not a job');
      if (s.value.source !== '' && !catalog.sources.get(s.value.source)) throw notFound('source', s.value.source, 'check the name');
      break;
    }
    case 'maintenance':
      if (s.value.grace !== '' && !/^\d+(ms|s|m|h|d|w)?$|^0$/.test(s.value.grace)) throw invalid('grace', `'${s.value.grace}' is not a duration (24h, 7d, 0)`);
      break;
    case 'create':
      break;
  }
}

/** Validates and queues a job. */
export function submitJob(catalog: Catalog, clock: Clock, spec: JobSpec | undefined, opts: SubmitOptions = {}): JobRecord {
  validateSpec(catalog, spec);
  const kind = KIND[spec.spec.$case];
  const now = clock.now();
  const id = randomBytes(8).toString('hex');
  const maxAttempts = opts.maxAttempts && opts.maxAttempts > 0 ? Math.min(opts.maxAttempts, 20) : kind === JobKind.JOB_KIND_RESTORE ? 1 : DEFAULT_MAX_ATTEMPTS;
  const wait = opts.waitSeconds && opts.waitSeconds > 0 ? opts.waitSeconds : DEFAULT_JOB_WAIT_S;
  catalog.jobs.create({ id, kind, spec, store: spec.spec.value.store, agent: '', maxAttempts, schedule: opts.schedule ?? '', nowMs: now, deadlineMs: now + wait * 1000 });
  const job = catalog.jobs.get(id);
  if (!job) throw new Error(`job ${id} vanished after it was created`);
  return job;
}
