/**
 * Human-readable numbers for the views: sizes in IEC units, dates in the browser's locale
 * (ISO-like, 24 h), durations and ages ("3 h ago"), Unix modes as `drwxr-xr-x`, and the
 * nanosecond mtimes of tree entries. Pure functions; absent (proto3 JSON default) values
 * format as zero.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function bytes(n: number | undefined): string {
  let v = n ?? 0;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${UNITS[u]}`;
}

export function count(n: number | undefined): string {
  return (n ?? 0).toLocaleString('en-US');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2026-03-04 13:05:09` in local time; '—' for 0. */
export function dateTime(ms: number | undefined): string {
  if (!ms) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `2026-03-04` (for <input type=date>) of a time in ms. */
export function dateOnly(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Start (or end, with `end`) of a `YYYY-MM-DD` day in local time, in ms; 0 when empty/bad. */
export function dayMs(day: string, end = false): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return 0;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return end ? d.getTime() + 86_399_999 : d.getTime();
}

export function duration(ms: number | undefined): string {
  const v = ms ?? 0;
  if (v < 1000) return `${v} ms`;
  const s = v / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "5 min ago" for a past time in ms (relative to `now`). */
export function age(ms: number | undefined, now = Date.now()): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** An mtime given as nanoseconds (decimal string) in ms. */
export function nsToMs(ns: string | undefined): number {
  if (!ns) return 0;
  return ns.length > 6 ? Number(ns.slice(0, -6)) : 0;
}

const TYPE_CHAR: Record<string, string> = { dir: 'd', symlink: 'l', file: '-', other: '?' };

/** `drwxr-xr-x` of a type and permission bits. */
export function modeString(type: string | undefined, mode: number | undefined): string {
  const m = mode ?? 0;
  let s = TYPE_CHAR[type ?? 'file'] ?? '?';
  const rwx = 'rwx';
  for (let i = 8; i >= 0; i--) s += m & (1 << i) ? (rwx[(8 - i) % 3] ?? '-') : '-';
  return s;
}

export function ratio(r: number | undefined): string {
  return r ? `${r.toFixed(2)}×` : '—';
}

export function shortId(id: string | undefined): string {
  return (id ?? '').slice(0, 8);
}
