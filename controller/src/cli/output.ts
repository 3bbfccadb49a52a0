/** Output of `coffer ctl`: aligned tables for people, JSON for scripts. */

/** Prints rows as a table with a header; columns padded to their widest cell. */
export function table(out: (line: string) => void, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  out(line(header));
  for (const r of rows) out(line(r));
}

/** ms since the epoch → "2026-11-26 01:02:03" (UTC, with Z), or "-" for 0. */
export function when(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}

/** key=value pairs for display. */
export function pairs(m: Readonly<Record<string, string>>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
