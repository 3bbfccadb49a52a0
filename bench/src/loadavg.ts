/**
 * How busy the machine is around a benchmark run: the 1-, 5- and 15-minute load average
 * (/proc/loadavg) and the other heavy processes running beside the harness (compilers,
 * test runners, other Node processes, other restic runs, browsers), which skew every
 * figure. The parsers are pure; {@link readLoad} and {@link heavyProcesses} read the
 * machine.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Load averages over 1, 5 and 15 minutes. */
export interface LoadAvg {
  readonly one: number;
  readonly five: number;
  readonly fifteen: number;
}

/** The load averages of a /proc/loadavg line ("0.33 0.40 0.52 1/141 12974"); undefined when it does not parse. */
export function parseLoadavg(text: string): LoadAvg | undefined {
  const [one, five, fifteen] = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (one === undefined || five === undefined || fifteen === undefined) return undefined;
  if (![one, five, fifteen].every(Number.isFinite)) return undefined;
  return { one, five, fifteen };
}

/** The load averages now (from /proc/loadavg, or os.loadavg() where there is none). */
export function readLoad(): LoadAvg {
  try {
    const parsed = parseLoadavg(readFileSync('/proc/loadavg', 'utf8'));
    if (parsed !== undefined) return parsed;
  } catch {
    // not Linux: fall through
  }
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return { one, five, fifteen };
}

/** "0.33 0.40 0.52 (1, 5, 15 min)". */
export function loadText(l: LoadAvg): string {
  return `${l.one.toFixed(2)} ${l.five.toFixed(2)} ${l.fifteen.toFixed(2)} (1, 5, 15 min)`;
}

/** One line of `ps -eo pid=,ppid=,pcpu=,comm=,args=`. */
export interface ProcRow {
  readonly pid: number;
  readonly ppid: number;
  /** CPU use over the process's life, in percent of one core. */
  readonly pcpu: number;
  readonly comm: string;
  readonly args: string;
}

/** Parses `ps -eo pid=,ppid=,pcpu=,comm=,args=` output; lines that do not parse are skipped. */
export function parsePs(text: string): ProcRow[] {
  const rows: ProcRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+([\d.]+)\s+(\S+)\s*(.*)$/.exec(line);
    if (m === null) continue;
    rows.push({ pid: Number(m[1]), ppid: Number(m[2]), pcpu: Number(m[3]), comm: m[4] ?? '', args: (m[5] ?? '').trim() });
  }
  return rows;
}

/** Commands that load the machine enough to skew a benchmark. */
const HEAVY_COMM = /^(node|nodejs|tsc|mocha|esbuild|restic|cc1|cc1plus|rustc|go|chrome|chromium|headless_shell)$/;
/** The same tools seen in the arguments of a process whose command is a launcher (node, npx, sh). */
const HEAVY_ARGS = /(^|[\s/])(tsc|mocha|esbuild|restic)(\s|$)/;

/**
 * The heavy processes in `rows` other than `self`, its ancestors (npm, the shell that
 * started it) and its descendants (the steps it runs); zombies (`<defunct>`) are skipped.
 */
export function heavyOthers(rows: readonly ProcRow[], self: number): ProcRow[] {
  const byPid = new Map(rows.map((r) => [r.pid, r]));
  const ours = new Set<number>([self]);
  for (let p = byPid.get(self)?.ppid, i = 0; p !== undefined && p > 0 && i < 64; p = byPid.get(p)?.ppid, i++) ours.add(p);
  const ancestors = new Set(ours);
  const isOurs = (r: ProcRow): boolean => {
    for (let p: number | undefined = r.pid, i = 0; p !== undefined && p > 0 && i < 64; p = byPid.get(p)?.ppid, i++) {
      if (p === self) return true;
    }
    return ancestors.has(r.pid);
  };
  const defunct = (r: ProcRow): boolean => r.args.endsWith('<defunct>');
  return rows.filter((r) => !isOurs(r) && !defunct(r) && (HEAVY_COMM.test(r.comm) || HEAVY_ARGS.test(r.args)));
}

const MAX_ARGS_SHOWN = 90;

/** One line per heavy process running beside this one ("pid 123 (4% CPU): node …/tsc -b"); empty when ps is missing. */
export function heavyProcesses(): string[] {
  const r = spawnSync('ps', ['-eo', 'pid=,ppid=,pcpu=,comm=,args='], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.error || r.status !== 0) return [];
  return heavyOthers(parsePs(r.stdout), process.pid).map((p) => {
    const args = p.args.length > MAX_ARGS_SHOWN ? `${p.args.slice(0, MAX_ARGS_SHOWN)}…` : p.args;
    return `pid ${p.pid} (${p.pcpu.toFixed(0)}% CPU): ${args || p.comm}`;
  });
}

/** The machine's state at one moment: load averages and the heavy processes beside us. */
export interface LoadSnapshot {
  readonly load: LoadAvg;
  readonly heavy: readonly string[];
}

/** Reads {@link LoadSnapshot} now. */
export function loadSnapshot(): LoadSnapshot {
  return { load: readLoad(), heavy: heavyProcesses() };
}
