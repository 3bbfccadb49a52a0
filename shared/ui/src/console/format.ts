/**
 * How the console writes times, ages and job enums: `ago(t, now)` → "3 h 12 min ago",
 * `when(t)` → local "2026-11-25 21:11", `stateName('JOB_STATE_RUNNING')` → "running". A
 * time of 0 or absent (proto's "never") is written "never".
 */
import type { JobKindName, JobStateName } from './wire.js';

/** A span of milliseconds in words: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago `t` was ("never" for 0; "in 5 min" for the future). */
export function ago(t: number | undefined, now: number): string {
  if (!t) return 'never';
  return t > now ? `in ${span(t - now)}` : `${span(now - t)} ago`;
}

/** A local date and time to the minute or second ("never" for 0). */
export function when(t: number | undefined, seconds = false): string {
  if (!t) return 'never';
  const d = new Date(t);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}${seconds ? `:${p(d.getSeconds())}` : ''}`;
}

/** 'JOB_STATE_RUNNING' → "running" (absent: "unknown"). */
export function stateName(s: JobStateName | undefined): string {
  return s ? s.replace('JOB_STATE_', '').toLowerCase() : 'unknown';
}

/** 'JOB_KIND_BACKUP' → "backup". */
export function kindName(k: JobKindName | undefined): string {
  return k ? k.replace('JOB_KIND_', '').toLowerCase() : 'job';
}

/** The job kinds and states a user may pick, by name. */
export const KINDS = ['backup', 'restore', 'verify', 'forget'] as const;
export const STATES = ['queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** "backup" → 'JOB_KIND_BACKUP'; undefined for anything else. */
export function kindOf(name: string): JobKindName | undefined {
  return (KINDS as readonly string[]).includes(name) ? (`JOB_KIND_${name.toUpperCase()}` as JobKindName) : undefined;
}

/** "running" → 'JOB_STATE_RUNNING'; undefined for anything else. */
export function stateOf(name: string): JobStateName | undefined {
  return (STATES as readonly string[]).includes(name) ? (`JOB_STATE_${name.toUpperCase()}` as JobStateName) : undefined;
}

/** Whether a job has reached a final state. */
export function isFinal(s: JobStateName | undefined): boolean {
  return s === 'JOB_STATE_SUCCEEDED' || s === 'JOB_STATE_FAILED' || s === 'JOB_STATE_CANCELLED';
}
