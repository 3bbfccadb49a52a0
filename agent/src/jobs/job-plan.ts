/**
 * What a RunJob means for the coffer command line: the named entries of the job's
 * private config (store, source, destination; passphrase options stripped, since the
 * passphrase only ever travels in the environment) and the coffer invocations, in
 * order. Pure: no I/O. A RunJob that does not make sense is a Config error.
 *
 *   backup:  coffer at @S backup --json [--tag=T]… [--ignore=P]… -- @SRC
 *   restore: coffer at @S restore --json --to=@D [--overwrite=X] [--path=P]… -- SNAP[:PATH]
 *            (RestoreSpec.paths, a selection, as --path flags)
 *   verify:  coffer at @S check --json [--fast | --read-data-subset=X]
 *   forget:  coffer at @S forget --json --apply --keep-…=N… [--source=@SRC], then
 *            coffer at @S maintenance --json [--grace=G]   (frees data after its grace period)
 *   maintenance: coffer at @S maintenance --json [--grace=G]
 *   create:  coffer at @S create [--plaintext] [--no-compression]
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Endpoint, RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobKind, type JobSpec, type RetentionPolicy } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Entry, UserConfig } from '../cli/user-config.js';

/** One coffer invocation of a job. */
export interface JobStep {
  /** The verb, for messages (`maintenance after forget: …`). */
  readonly verb: string;
  /** Arguments after the coffer entry point. */
  readonly args: readonly string[];
}

/** A job as coffer invocations. */
export interface JobPlan {
  readonly kind: JobKind;
  readonly config: UserConfig;
  readonly steps: readonly JobStep[];
}

/** Plan options. */
export interface PlanOptions {
  /** `maintenance --grace` after a forget; the CLI's default (24h) when absent. */
  readonly pruneGrace?: string | undefined;
}

/** Option names never written to a job's config: the passphrase goes through the environment only. */
const PASSPHRASE_OPTIONS: ReadonlySet<string> = new Set(['passphrase', 'passphrase_cmd', 'passphrase_file']);

function entryOf(e: Endpoint): Entry {
  const out: Entry = {};
  for (const [k, v] of Object.entries(e.options)) if (!PASSPHRASE_OPTIONS.has(k) && k !== 'location') out[k] = v;
  out.location = e.location;
  return out;
}

function need(e: Endpoint | undefined, what: string, jobId: string): Endpoint {
  if (!e?.location) throw new CofferError(ErrorCode.Config, `job ${jobId} names no ${what} location`);
  return { ...e, name: e.name || what };
}

const KIND_OF: Record<NonNullable<JobSpec['spec']>['$case'], JobKind> = {
  backup: JobKind.JOB_KIND_BACKUP,
  restore: JobKind.JOB_KIND_RESTORE,
  verify: JobKind.JOB_KIND_VERIFY,
  forget: JobKind.JOB_KIND_FORGET,
  maintenance: JobKind.JOB_KIND_MAINTENANCE,
  create: JobKind.JOB_KIND_CREATE,
};

function retentionFlags(r: RetentionPolicy | undefined): string[] {
  if (!r) return [];
  const counts: [string, number][] = [
    ['last', r.keepLast], ['hourly', r.keepHourly], ['daily', r.keepDaily],
    ['weekly', r.keepWeekly], ['monthly', r.keepMonthly], ['yearly', r.keepYearly],
  ];
  return [
    ...counts.filter(([, n]) => n > 0).map(([k, n]) => `--keep-${k}=${n}`),
    ...(r.keepWithin ? [`--keep-within=${r.keepWithin}`] : []),
    ...r.keepTags.map((t) => `--keep-tag=${t}`),
  ];
}

/** Turns a RunJob into its config entries and coffer invocations. */
export function planJob(run: RunJob, opts: PlanOptions = {}): JobPlan {
  const spec = run.spec?.spec;
  if (!spec) throw new CofferError(ErrorCode.Config, `job ${run.jobId} has no spec`);
  const kind = KIND_OF[spec.$case];
  if (run.kind !== JobKind.JOB_KIND_UNSPECIFIED && run.kind !== kind) {
    throw new CofferError(ErrorCode.Config, `job ${run.jobId}: its kind (${run.kind}) does not match its ${spec.$case} spec`);
  }
  const store = need(run.store, 'store', run.jobId);
  const config: UserConfig = { version: 1, stores: { [store.name]: entryOf(store) }, sources: {}, destinations: {}, remotes: {} };
  const at = ['at', `@${store.name}`];
  switch (spec.$case) {
    case 'backup': {
      const src = need(run.source, 'source', run.jobId);
      config.sources[src.name] = entryOf(src);
      const v = spec.value;
      // The source's own tags and ignore patterns (options, comma-separated) come first, then the job's.
      const listOpt = (k: string): string[] => (src.options[k] ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      const tags = [...listOpt('tags'), ...v.tags];
      const ignore = [...listOpt('ignore'), ...v.ignore];
      const args = [...at, 'backup', '--json', ...tags.map((t) => `--tag=${t}`), ...ignore.map((p) => `--ignore=${p}`), '--', `@${src.name}`];
      return { kind, config, steps: [{ verb: 'backup', args }] };
    }
    case 'restore': {
      const dest = need(run.destination, 'destination', run.jobId);
      config.destinations[dest.name] = entryOf(dest);
      const v = spec.value;
      const ref = `${v.snapshot || 'latest'}${v.path ? `:${v.path}` : ''}`;
      const selection = v.paths.map((p) => `--path=${p}`);
      const args = [...at, 'restore', '--json', `--to=@${dest.name}`, ...(v.overwrite ? [`--overwrite=${v.overwrite}`] : []), ...selection, '--', ref];
      return { kind, config, steps: [{ verb: 'restore', args }] };
    }
    case 'verify': {
      const v = spec.value;
      const data = v.fast ? ['--fast'] : v.readDataSubset ? [`--read-data-subset=${v.readDataSubset}`] : [];
      return { kind, config, steps: [{ verb: 'check', args: [...at, 'check', '--json', ...data] }] };
    }
    case 'forget': {
      const v = spec.value;
      const only: string[] = [];
      if (v.source) {
        const src = need(run.source, 'source', run.jobId);
        config.sources[src.name] = entryOf(src);
        only.push(`--source=@${src.name}`);
      }
      const grace = opts.pruneGrace !== undefined ? [`--grace=${opts.pruneGrace}`] : [];
      return {
        kind,
        config,
        steps: [
          { verb: 'forget', args: [...at, 'forget', '--json', '--apply', ...retentionFlags(v.retention), ...only] },
          { verb: 'maintenance', args: [...at, 'maintenance', '--json', ...grace] },
        ],
      };
    }
    case 'maintenance': {
      const grace = spec.value.grace !== '' ? [`--grace=${spec.value.grace}`] : opts.pruneGrace !== undefined ? [`--grace=${opts.pruneGrace}`] : [];
      return { kind, config, steps: [{ verb: 'maintenance', args: [...at, 'maintenance', '--json', ...grace] }] };
    }
    case 'create': {
      const v = spec.value;
      const flags = [...(v.plaintext ? ['--plaintext'] : []), ...(v.noCompression ? ['--no-compression'] : [])];
      return { kind, config, steps: [{ verb: 'create', args: [...at, 'create', ...flags] }] };
    }
  }
}
