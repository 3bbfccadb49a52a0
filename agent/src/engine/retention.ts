/**
 * Retention policies with restic's semantics: within each group (host + source),
 * walking snapshots newest first, keep the newest N (`last`), the newest snapshot of
 * each of the last N hours/days/weeks/months/years that have one, every snapshot with
 * one of `tags`, and every snapshot younger than `withinMs` measured from the newest
 * snapshot of the group. Calendar buckets use local time. Pure.
 */
import type { SnapshotRecord } from './snapshot.js';

/** What to keep. Counts of 0 or absent keep nothing by that rule. */
export interface RetentionPolicy {
  readonly last?: number;
  readonly hourly?: number;
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
  readonly yearly?: number;
  readonly tags?: readonly string[];
  readonly withinMs?: number;
}

/** A decision for one snapshot. */
export interface Decision {
  readonly record: SnapshotRecord;
  readonly keep: boolean;
  readonly reasons: string[];
}

/** Whether a policy keeps anything at all (an empty policy would remove everything). */
export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return !p.last && !p.hourly && !p.daily && !p.weekly && !p.monthly && !p.yearly && !(p.tags && p.tags.length) && !p.withinMs;
}

function isoWeek(d: Date): string {
  const t = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const day = (t.getDay() + 6) % 7;
  t.setDate(t.getDate() - day + 3);
  const firstThursday = new Date(t.getFullYear(), 0, 4);
  const week = 1 + Math.round(((t.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getDay() + 6) % 7)) / 7);
  return `${t.getFullYear()}-W${week}`;
}

const BUCKETS: readonly [keyof RetentionPolicy, (d: Date) => string][] = [
  ['hourly', (d) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}-${d.getHours()}`],
  ['daily', (d) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`],
  ['weekly', isoWeek],
  ['monthly', (d) => `${d.getFullYear()}-${d.getMonth()}`],
  ['yearly', (d) => `${d.getFullYear()}`],
];

/** Group key: snapshots of the same host and source are judged together. */
export function groupKey(r: SnapshotRecord): string {
  return `${r.snapshot.host}\u0000${r.snapshot.source.location}`;
}

/** Applies a policy to snapshots; returns one decision per snapshot, newest first per group. */
export function applyPolicy(snaps: readonly SnapshotRecord[], policy: RetentionPolicy): Decision[] {
  const groups = new Map<string, SnapshotRecord[]>();
  for (const s of snaps) {
    const k = groupKey(s);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const out: Decision[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => (a.snapshot.time < b.snapshot.time ? 1 : a.snapshot.time > b.snapshot.time ? -1 : 0));
    const newest = sorted[0] ? Date.parse(sorted[0].snapshot.time) : 0;
    const left = new Map<string, number>();
    const lastKey = new Map<string, string>();
    for (const [name] of BUCKETS) left.set(name, (policy[name] as number | undefined) ?? 0);
    let lastLeft = policy.last ?? 0;
    for (const r of sorted) {
      const reasons: string[] = [];
      const t = new Date(r.snapshot.time);
      if (lastLeft > 0) {
        lastLeft--;
        reasons.push('last');
      }
      for (const [name, key] of BUCKETS) {
        const k = key(t);
        if ((left.get(name) ?? 0) > 0 && lastKey.get(name) !== k) {
          left.set(name, (left.get(name) ?? 0) - 1);
          lastKey.set(name, k);
          reasons.push(name);
        }
      }
      if (policy.tags?.some((tag) => r.snapshot.tags.includes(tag))) reasons.push('tag');
      if (policy.withinMs !== undefined && policy.withinMs > 0 && newest - t.getTime() <= policy.withinMs) reasons.push('within');
      out.push({ record: r, keep: reasons.length > 0, reasons });
    }
  }
  return out;
}
