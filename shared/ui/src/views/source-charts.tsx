/**
 * Per-source charts of the snapshots over time: size and new bytes, each as an inline SVG
 * line chart built from elements (no chart library, no markup strings). Every point has a
 * <title> (time and value) and each chart an aria-label summarizing its range, so the data is
 * readable without the picture too. Colours come from the stylesheet (classes only).
 */
import type { JSX } from 'preact';
import type { StoreSnapshot } from '../api/types.js';
import { bytes, dateOnly, dateTime } from '../format.js';

const W = 320;
const H = 120;
const PAD = { l: 8, r: 8, t: 10, b: 18 };

interface Point {
  readonly t: number;
  readonly v: number;
}

function LineChart({ points, label, cls }: { points: readonly Point[]; label: string; cls: string }): JSX.Element {
  const t0 = points[0]?.t ?? 0;
  const t1 = points[points.length - 1]?.t ?? t0;
  const vmax = Math.max(1, ...points.map((p) => p.v));
  const x = (t: number): number => PAD.l + (t1 === t0 ? (W - PAD.l - PAD.r) / 2 : ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r));
  const y = (v: number): number => H - PAD.b - (v / vmax) * (H - PAD.t - PAD.b);
  const line = points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const summary = `${label}: ${points.length} snapshot(s) from ${dateTime(t0)} to ${dateTime(t1)}, at most ${bytes(vmax)}`;
  return (
    <figure class={`chart ${cls}`}>
      <figcaption>
        {label} <span class="muted">(max {bytes(vmax)})</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <line class="axis" x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} />
        <polyline class="series" points={line} />
        {points.map((p, i) => (
          <circle key={i} class="dot" cx={x(p.t)} cy={y(p.v)} r={2.5}>
            <title>{`${dateTime(p.t)}: ${bytes(p.v)}`}</title>
          </circle>
        ))}
        <text class="tick" x={PAD.l} y={H - 4}>
          {dateOnly(t0)}
        </text>
        <text class="tick end" x={W - PAD.r} y={H - 4}>
          {dateOnly(t1)}
        </text>
      </svg>
    </figure>
  );
}

/** Charts for each source of `snapshots` (any order; drawn oldest first). */
export function SourceCharts({ snapshots }: { snapshots: readonly StoreSnapshot[] }): JSX.Element | null {
  const bySource = new Map<string, StoreSnapshot[]>();
  for (const s of snapshots) {
    const k = s.source ?? '';
    const list = bySource.get(k) ?? [];
    list.push(s);
    bySource.set(k, list);
  }
  if (bySource.size === 0) return null;
  return (
    <section class="charts" aria-labelledby="charts-title">
      <h2 id="charts-title">Over time, per source</h2>
      {[...bySource.entries()]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([source, list]) => {
          const sorted = [...list].sort((a, b) => (a.timeMs ?? 0) - (b.timeMs ?? 0));
          return (
            <div class="chartrow" key={source}>
              <h3>{source || '(no source)'}</h3>
              <LineChart label="Size" cls="size" points={sorted.map((s) => ({ t: s.timeMs ?? 0, v: s.bytes ?? 0 }))} />
              <LineChart label="New bytes" cls="added" points={sorted.map((s) => ({ t: s.timeMs ?? 0, v: s.addedBytes ?? 0 }))} />
            </div>
          );
        })}
    </section>
  );
}
