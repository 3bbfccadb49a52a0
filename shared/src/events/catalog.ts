/**
 * The catalogue of `--json` events: for each, its `type` (and for summaries its
 * `verb`) and the shape of its other fields. The types below are derived from these
 * shapes, and parseEvent checks lines against the same shapes. docs/events.md
 * documents every field; changes here must be additive (new optional fields, new
 * events), never a rename, removal or change of kind.
 */
import type { Shape, ShapeType } from './shape.js';

/**
 * Progress of a running verb, at most once a second and once with phase `done`. coffer
 * writes every counter; a reader takes a missing one as 0 (only `phase` is required).
 */
export const STATUS = {
  phase: 'string',
  files: 'number?',
  total_files: 'number?',
  packs: 'number?',
  total_packs: 'number?',
  bytes: 'number?',
  total_bytes: 'number?',
  errors: 'number?',
  seconds_elapsed: 'number?',
  percent_done: 'number?',
} as const satisfies Shape;

/** The process failed: the last line it prints (ErrorCode `code`, exit status `exit`). */
export const FAILURE = { code: 'string', exit: 'number', message: 'string' } as const satisfies Shape;

/** A problem check found (`type` error or warning), with where it is when known. */
export const ISSUE = { message: 'string', snapshot: 'string?', path: 'string?', file: 'string?' } as const satisfies Shape;

/** forget: the verdict on one snapshot. */
export const DECISION = { id: 'string', keep: 'boolean', reasons: 'strings' } as const satisfies Shape;

/** repair snapshots: what happens (or would, without --apply) to one snapshot. */
export const SNAPSHOT_REPAIR = {
  applied: 'boolean',
  id: 'string',
  action: 'string',
  lost: 'strings',
  newId: 'string?',
  reason: 'string?',
} as const satisfies Shape;

/** create: the new store. */
export const CREATED = { id: 'string', location: 'string', encrypted: 'boolean' } as const satisfies Shape;

/** A snapshot's counts (its `summary` as stored, docs/format.md). */
export const SNAPSHOT_COUNTS = {
  files: 'number',
  dirs: 'number',
  symlinks: 'number',
  others: 'number',
  bytes: 'number',
  newFiles: 'number',
  changedFiles: 'number',
  unchangedFiles: 'number',
  newBytes: 'number',
  storedBytes: 'number',
  durationMs: 'number',
  errors: 'number',
} as const satisfies Shape;

/** The `summary` line of each verb, by `verb`. */
export const SUMMARIES = {
  backup: {
    snapshot_id: 'string',
    ...SNAPSHOT_COUNTS,
    time: 'string',
    host: 'string',
    user: 'string',
    tags: 'strings',
    source: { type: 'string', location: 'string' },
    parent: 'string?',
  },
  restore: {
    snapshot_id: 'string',
    to: 'string',
    files: 'number',
    dirs: 'number',
    symlinks: 'number',
    bytes: 'number',
    skipped: 'number',
    errors: 'number',
    failed: 'number',
  },
  check: { ok: 'boolean', snapshots: 'number', files: 'number', packsRead: 'number', bytesRead: 'number', damagedFiles: 'number', issues: 'number' },
  forget: { applied: 'boolean', kept: 'number', forgotten: 'number', forgotten_ids: 'strings' },
  maintenance: {
    usedBlobs: 'number',
    packsDeleted: 'number',
    bytesFreed: 'number',
    packsRepacked: 'number',
    condemned: 'number',
    indexFilesReplaced: 'number',
  },
  'repair-index': { packs: 'number', fromOldIndex: 'strings', unreadable: 'strings', damagedIndexFiles: 'strings', removed: 'number', indexFile: 'string' },
  'repair-packs': { damaged: 'strings', salvaged: 'number', lost: 'number' },
  'repair-snapshots': { applied: 'boolean', snapshots: 'number' },
} as const satisfies Record<string, Shape>;

/** The verbs that end with a summary line. */
export type SummaryVerb = keyof typeof SUMMARIES;

type Tagged<T extends string, S extends Shape> = { readonly type: T } & ShapeType<S>;

export type StatusEvent = Tagged<'status', typeof STATUS>;
export type FailureEvent = Tagged<'error', typeof FAILURE>;
export type IssueEvent = Tagged<'error' | 'warning', typeof ISSUE>;
export type DecisionEvent = Tagged<'decision', typeof DECISION>;
export type SnapshotRepairEvent = Tagged<'snapshot', typeof SNAPSHOT_REPAIR>;
export type CreatedEvent = Tagged<'created', typeof CREATED>;
/** The summary line of verb V. */
export type SummaryEvent<V extends SummaryVerb = SummaryVerb> = V extends SummaryVerb ? { readonly type: 'summary'; readonly verb: V } & ShapeType<(typeof SUMMARIES)[V]> : never;
export type BackupSummary = SummaryEvent<'backup'>;
export type RestoreSummary = SummaryEvent<'restore'>;
export type CheckSummary = SummaryEvent<'check'>;
export type ForgetSummary = SummaryEvent<'forget'>;
export type MaintenanceSummary = SummaryEvent<'maintenance'>;
