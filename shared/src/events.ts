/**
 * The JSON lines `coffer … --json` prints on stdout, and that the agent's job runner,
 * the controller and any other consumer read: the one definition of that contract.
 * Guarantees:
 * - One event per line: formatEvent gives one line of JSON (no newline inside; the
 *   writer adds the line end), an object whose `type` names the event.
 * - Stable field names: the fields of each event are in events/catalog.ts and
 *   docs/events.md; changes are additive only (new optional fields, new events), so a
 *   reader must ignore fields and events it does not know.
 * - Every `summary` names its `verb`. Two events share `type: "error"`: the failure
 *   line (it has `exit`, and it is the last line) and check's issues (no `exit`).
 * - parseEvent never throws: a line that is not JSON, not an object, of an unknown
 *   type or verb, or whose named fields have the wrong kind gives undefined; extra
 *   fields are kept.
 * The records `ls`, `locate` and `diff` print are not events: events/listings.ts
 * (re-exported here). Pure.
 */
import { CREATED, DECISION, FAILURE, ISSUE, SNAPSHOT_REPAIR, STATUS, SUMMARIES, type SummaryVerb } from './events/catalog.js';
import type {
  CreatedEvent,
  DecisionEvent,
  FailureEvent,
  IssueEvent,
  SnapshotRepairEvent,
  StatusEvent,
  SummaryEvent,
} from './events/catalog.js';
import { fits, parseObject, type Shape } from './events/shape.js';

export * from './events/catalog.js';
export * from './events/listings.js';

/** Any event a coffer process prints with --json. */
export type Event = StatusEvent | FailureEvent | IssueEvent | DecisionEvent | SnapshotRepairEvent | CreatedEvent | SummaryEvent;

/** The event as one line of JSON, without the line end. */
export function formatEvent(e: Event): string {
  return JSON.stringify(e);
}

/** Whether an `error` event is the process's failure line (rather than a check issue). */
export function isFailure(e: Event): e is FailureEvent {
  return e.type === 'error' && 'exit' in e;
}

function shapeOf(o: Record<string, unknown>): Shape | undefined {
  switch (o.type) {
    case 'status':
      return STATUS;
    case 'error':
      return 'exit' in o ? FAILURE : ISSUE;
    case 'warning':
      return ISSUE;
    case 'decision':
      return DECISION;
    case 'snapshot':
      return SNAPSHOT_REPAIR;
    case 'created':
      return CREATED;
    case 'summary':
      return typeof o.verb === 'string' && Object.hasOwn(SUMMARIES, o.verb) ? SUMMARIES[o.verb as SummaryVerb] : undefined;
    default:
      return undefined;
  }
}

/** The event a line holds; undefined for anything else (see the module comment). */
export function parseEvent(line: string): Event | undefined {
  const o = parseObject(line);
  if (o === undefined) return undefined;
  const shape = shapeOf(o);
  return shape && fits(o, shape) ? (o as unknown as Event) : undefined;
}

/** The summary line of `verb`, or undefined when `line` is not one. */
export function parseSummary<V extends SummaryVerb>(line: string, verb: V): SummaryEvent<V> | undefined {
  const e = parseEvent(line);
  return e?.type === 'summary' && e.verb === verb ? (e as SummaryEvent<V>) : undefined;
}
