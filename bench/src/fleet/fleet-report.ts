/**
 * The fleet benchmark's report: one column per fleet size, one row per measure with its
 * target and PASS/MISS (targets from the issues: every agent connected, 10,000 at once;
 * p99 dispatch under 200 ms; controller under 500 MiB), the controller's own /metrics
 * as a cross-check, and the CPU profile breakdowns when one was taken.
 */
import { table } from '../report.js';
import { renderProfiles } from './cpu-profile.js';
import type { FleetResult } from './fleet-run.js';
import type { Percentiles } from './stats.js';

/** Targets. */
export const TARGETS = { agents: 10_000, p99Ms: 200, rssMiB: 500 } as const;

/** NATS rows (nats-config time, nats-server memory): reported, no target; empty for gRPC runs. */
function natsRows(rs: readonly FleetResult[]): string[][] {
  if (!rs.some((r) => r.nats)) return [];
  return [
    row('nats-config, all agents (wall)', '-', rs, (r) => (r.nats ? `${r.nats.configS.toFixed(1)} s` : '-')),
    row('nats-server RSS after connect', '-', rs, (r) => (r.nats ? `${r.nats.rssIdleMiB.toFixed(0)} MiB` : '-')),
    row('nats-server RSS peak (VmHWM)', 'reported', rs, (r) => (r.nats ? `${r.nats.rssPeakMiB.toFixed(0)} MiB` : '-')),
  ];
}

const ms = (v: number): string => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms` : '-');
const sec = (v: number | undefined): string => (v === undefined ? '-' : v === Infinity ? '> 30 s' : ms(v * 1000));
const mib = (b: number | undefined): string => (b === undefined ? '-' : `${(b / 2 ** 20).toFixed(0)} MiB`);
const pair = (p: Percentiles): string => `${ms(p.p50)} / ${ms(p.p99)}`;
const verdict = (pass: boolean): string => (pass ? 'PASS' : 'MISS');

/** One row: label, target, then per size a value and (when judged) its verdict. */
function row(label: string, target: string, rs: readonly FleetResult[], cell: (r: FleetResult) => string, pass?: (r: FleetResult) => boolean): string[] {
  return [label, target, ...rs.map((r) => (pass ? `${cell(r)} ${verdict(pass(r))}` : cell(r)))];
}

/** The report as text. */
export function renderFleetReport(rs: readonly FleetResult[], header: string): string {
  const rows = [
    row('agents connected', `all; ${TARGETS.agents} on one controller`, rs, (r) => `${r.connected}/${r.agents}`, (r) => r.connected === r.agents && r.lost === 0),
    row('enrollment, all agents (wall)', '-', rs, (r) => `${r.enrollS.toFixed(1)} s`),
    row('  one agent: key+CSR+Enroll p50/p99', '-', rs, (r) => `${ms(r.enrollEach.p50)} / ${ms(r.enrollEach.p99)}`),
    row('connection, all agents (wall)', '-', rs, (r) => `${r.connectS.toFixed(1)} s`),
    row('dispatch p50, paced load', '-', rs, (r) => ms(r.paced.latency.p50)),
    row('dispatch p99, paced load', `< ${TARGETS.p99Ms} ms`, rs, (r) => ms(r.paced.latency.p99), (r) => r.paced.latency.p99 < TARGETS.p99Ms),
    row('  split p50/p99: API in (call to created)', '-', rs, (r) => pair(r.paced.split.ingress)),
    row('  queue (created to sent)', '-', rs, (r) => pair(r.paced.split.queue)),
    row('  out (sent to agent)', '-', rs, (r) => pair(r.paced.split.egress)),
    row('  simulator event-loop delay p99 / max', '-', rs, (r) => `${ms(r.simLag.paced.p99Ms)} / ${ms(r.simLag.paced.maxMs)}`),
    row('dispatch p50, burst load', '-', rs, (r) => ms(r.burst.latency.p50)),
    row('dispatch p99, burst load', `(< ${TARGETS.p99Ms} ms)`, rs, (r) => ms(r.burst.latency.p99), (r) => r.burst.latency.p99 < TARGETS.p99Ms),
    row('  split p50/p99: API in (call to created)', '-', rs, (r) => pair(r.burst.split.ingress)),
    row('  queue (created to sent)', '-', rs, (r) => pair(r.burst.split.queue)),
    row('  out (sent to agent)', '-', rs, (r) => pair(r.burst.split.egress)),
    row('  simulator event-loop delay p99 / max', '-', rs, (r) => `${ms(r.simLag.burst.p99Ms)} / ${ms(r.simLag.burst.maxMs)}`),
    row('jobs/s, burst (submit to last ack)', '-', rs, (r) => `${r.burst.jobsPerS.toFixed(0)} (${r.burst.jobs} in ${r.burst.completeS.toFixed(1)} s)`),
    row('  RunJob calls answered in', '-', rs, (r) => `${r.burst.submitS.toFixed(1)} s`),
    row('jobs SUCCEEDED / other', 'all', rs, (r) => `${r.succeeded} / ${r.notSucceeded}`, (r) => r.notSucceeded === 0 && r.succeeded === r.paced.jobs + r.burst.jobs),
    row('controller RSS after connect', '-', rs, (r) => `${r.rssIdleMiB.toFixed(0)} MiB`),
    row('controller RSS peak (VmHWM)', `< ${TARGETS.rssMiB} MiB`, rs, (r) => `${r.rssPeakMiB.toFixed(0)} MiB`, (r) => r.rssPeakMiB < TARGETS.rssMiB),
    ...natsRows(rs),
  ];
  const cross = [
    row('coffer_agents_connected idle / end', '', rs, (r) => `${r.metrics.connectedIdle ?? '-'} / ${r.metrics.connectedEnd ?? '-'}`),
    row('coffer_dispatch_latency p50/p99 paced', '', rs, (r) => `${sec(r.metrics.pacedP50S)} / ${sec(r.metrics.pacedP99S)}`),
    row('coffer_dispatch_latency p50/p99 burst', '', rs, (r) => `${sec(r.metrics.burstP50S)} / ${sec(r.metrics.burstP99S)}`),
    row('jobs dispatched (histogram count)', '', rs, (r) => String(r.metrics.dispatched)),
    row('process_resident_memory at end', '', rs, (r) => mib(r.metrics.rssBytes)),
    row('nodejs_heap_size_used / external, idle', '', rs, (r) => `${mib(r.metrics.heapUsedIdle)} / ${mib(r.metrics.externalIdle)}`),
  ];
  const sizes = rs.map((r) => `${r.agents} agents${r.transport === 'nats' ? ' (NATS)' : ''}`);
  const lines = [header, '', table(['measure', 'target', ...sizes], rows), '', 'controller /metrics (histogram quantiles are bucket estimates: queue to send, inside the controller)', table(['metric', '', ...sizes], cross)];
  const missed = rs.flatMap((r) => (r.connectFailures.length > 0 ? [`${r.agents} agents: ${r.connectFailures.length} did not connect, e.g. ${r.connectFailures[0]}`] : []));
  if (missed.length > 0) lines.push('', ...missed);
  for (const r of rs) if (r.profile) lines.push(`\n== CPU profile of the controller at ${r.agents} agents`, renderProfiles(r.profile));
  lines.push('', `controller logs: ${rs.map((r) => r.controllerLog).join(', ')}`);
  return lines.join('\n');
}
