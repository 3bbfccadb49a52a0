/**
 * Where the controller's CPU time went, from the V8 profile `node --cpu-prof` writes
 * (.cpuprofile: a call tree, one sampled node per tick and the time between ticks),
 * for one window of the run at a time (enrollment, connection, load). Three views:
 * busy vs idle, self time by area (our code, SQLite, gRPC, TLS, logging, GC, ...), and
 * the functions with the most self and inclusive time. Windows are placed by the wall
 * time the profile started (the process's spawn), so their edges are good to a few tens
 * of milliseconds.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One window's breakdown, times in milliseconds. */
export interface WindowProfile {
  readonly label: string;
  readonly totalMs: number;
  readonly idleMs: number;
  readonly areas: readonly (readonly [string, number])[];
  readonly self: readonly (readonly [string, number])[];
  readonly inclusive: readonly (readonly [string, number])[];
}

/** The area a frame's self time is charged to. */
function area(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)' || fn === '(idle)') return fn;
  if (url.includes('/controller/dist/')) return 'controller code';
  if (url.includes('/shared/dist/gen/')) return 'protobuf encode/decode (generated)';
  if (url.includes('/shared/dist/')) return 'shared code';
  if (url.includes('better-sqlite3')) return 'SQLite (better-sqlite3)';
  if (url.includes('@grpc/') || url.includes('protobufjs')) return 'gRPC (grpc-js)';
  if (url.includes('pino') || url.includes('sonic-boom')) return 'logging (pino)';
  if (url.includes('@peculiar') || url.includes('asn1') || url.includes('pvtsutils') || url.includes('tsyringe')) return 'X.509 (@peculiar)';
  if (url.includes('node:internal/tls') || url.includes('node:_tls') || url.includes('node:tls')) return 'TLS (node)';
  if (url.includes('node:internal/http2') || url.includes('node:http2')) return 'HTTP/2 (node)';
  if (url === '') return `native: ${fn || '(anonymous)'}`;
  if (url.startsWith('node:')) return 'node internals';
  return 'other JS';
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.replace(/^.*\/(controller|shared|agent)\/dist\//, '$1/').replace(/^.*\/node_modules\//, '');
  return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
}

const top = (m: Map<string, number>, n: number): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
const add = (m: Map<string, number>, k: string, v: number): void => void m.set(k, (m.get(k) ?? 0) + v);

/** Breaks down `file` for each window [fromMs, toMs) of wall time; `startedAtMs` is when the profiled process was spawned. */
export function profileWindows(file: string, startedAtMs: number, windows: readonly { label: string; fromMs: number; toMs: number }[], topN = 12): WindowProfile[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ours = (n: ProfileNode): boolean => /\/(controller|shared)\/dist\/(?!gen\/)/.test(n.callFrame.url);
  return windows.map(({ label, fromMs, toMs }) => {
    const areas = new Map<string, number>();
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    let total = 0;
    let idle = 0;
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      const dt = (p.timeDeltas[i] ?? 0) / 1000;
      t += p.timeDeltas[i] ?? 0;
      const wall = startedAtMs + (t - p.startTime) / 1000;
      if (wall < fromMs || wall >= toMs) continue;
      const node = byId.get(p.samples[i] ?? -1);
      if (!node) continue;
      total += dt;
      const fn = node.callFrame.functionName;
      if (fn === '(idle)') {
        idle += dt;
        continue;
      }
      add(areas, area(node.callFrame.url, fn), dt);
      add(self, frameName(node), dt);
      const seen = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const n = byId.get(id);
        if (!n || !ours(n)) continue;
        const name = frameName(n);
        if (!seen.has(name)) add(inclusive, name, dt);
        seen.add(name);
      }
    }
    return { label, totalMs: total, idleMs: idle, areas: top(areas, topN), self: top(self, topN), inclusive: top(inclusive, topN) };
  });
}

/** The breakdowns as text. */
export function renderProfiles(ws: readonly WindowProfile[]): string {
  const pct = (ms: number, of: number): string => `${((100 * ms) / Math.max(of, 1e-9)).toFixed(1).padStart(5)} %`;
  const lines: string[] = [];
  for (const w of ws) {
    const busy = w.totalMs - w.idleMs;
    lines.push(`\n### controller CPU profile: ${w.label} (${(w.totalMs / 1000).toFixed(1)} s wall, ${(busy / 1000).toFixed(1)} s busy = ${pct(busy, w.totalMs).trim()})`);
    lines.push('busy time by area:');
    for (const [k, v] of w.areas) lines.push(`  ${pct(v, busy)}  ${k}`);
    lines.push('self time, top functions:');
    for (const [k, v] of w.self) lines.push(`  ${pct(v, busy)}  ${k}`);
    lines.push('inclusive time, controller and shared functions:');
    for (const [k, v] of w.inclusive) lines.push(`  ${pct(v, busy)}  ${k}`);
  }
  return lines.join('\n');
}
