/**
 * Prometheus metrics of the controller (prom-client, its own registry): jobs by kind and
 * state, job durations, bytes backed up, connected agents, dispatch latency, and the age
 * of the last successful backup per source. Gauges that mirror the catalog are
 * computed when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '@coffer/shared/clock.js';
import { JobKind, JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Catalog } from '../catalog/catalog.js';
import type { JobRecord } from '../catalog/jobs.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';

const kindName = (k: number): string => (JobKind[k] ?? 'unknown').replace('JOB_KIND_', '').toLowerCase();
const stateName = (s: number): string => (JobState[s] ?? 'unknown').replace('JOB_STATE_', '').toLowerCase();

/** The metrics, wired to a catalog and a dispatcher. */
export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly durations: Histogram;
  private readonly bytes: Counter;
  private readonly dispatchLatency: Histogram;

  constructor(catalog: Catalog, dispatcher: Dispatcher, clock: Clock) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'coffer_controller_' });
    new Gauge({
      name: 'coffer_jobs',
      help: 'Jobs in the catalog by kind and state',
      labelNames: ['kind', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of catalog.jobs.counts()) this.set({ kind: kindName(c.kind), state: stateName(c.state) }, c.n);
      },
    });
    new Gauge({
      name: 'coffer_agents_connected',
      help: 'Agents connected now',
      registers: [registry],
      collect() {
        this.set(dispatcher.registry.size);
      },
    });
    new Gauge({
      name: 'coffer_nats_site_reachable',
      help: 'Whether the leaf node of each NATS site answers (1) or not (0), as last probed',
      labelNames: ['site'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of dispatcher.sites.list()) this.set({ site: s.site }, s.reachable ? 1 : 0);
      },
    });
    new Gauge({
      name: 'coffer_agents_enrolled',
      help: 'Agents enrolled and not revoked',
      registers: [registry],
      collect() {
        this.set(catalog.agents.list().filter((a) => !a.revoked).length);
      },
    });
    new Gauge({
      name: 'coffer_source_last_backup_age_seconds',
      help: 'Seconds since the last successful backup of each source',
      labelNames: ['source'],
      registers: [registry],
      collect() {
        this.reset();
        const last = catalog.snapshots.lastBySource();
        for (const s of catalog.sources.list()) {
          const t = last.get(s.name);
          if (t !== undefined) this.set({ source: s.name }, Math.max(0, (clock.now() - t) / 1000));
        }
      },
    });
    this.durations = new Histogram({
      name: 'coffer_job_duration_seconds',
      help: 'Duration of finished jobs, by kind and final state',
      labelNames: ['kind', 'state'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600],
      registers: [registry],
    });
    this.bytes = new Counter({ name: 'coffer_backup_bytes_total', help: 'Bytes read by successful backups', registers: [registry] });
    this.dispatchLatency = new Histogram({
      name: 'coffer_dispatch_latency_seconds',
      help: 'Time from a job becoming runnable to its dispatch to an agent',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 5, 30],
      registers: [registry],
    });
    dispatcher.onFinished((j) => this.finished(j));
    dispatcher.onDispatched.push((_j, ms) => this.dispatchLatency.observe(ms / 1000));
  }

  /**
   * The text exposition. prom-client's default Node.js metrics include three gauges
   * named `*_active_{handles,requests,resources}_total`, a name Prometheus keeps for
   * counters (`promtool check metrics` refuses them); they are the sums of the gauges
   * of the same name without `_total` (by type), so they are left out.
   */
  async exposition(): Promise<string> {
    const text = await this.registry.metrics();
    const reserved = /^(?:# (?:HELP|TYPE) )?\w*nodejs_active_(?:handles|requests|resources)_total\b/;
    return text
      .split('\n')
      .filter((l) => !reserved.test(l))
      .join('\n');
  }

  private finished(j: JobRecord): void {
    if (j.startedMs > 0 && j.finishedMs >= j.startedMs) this.durations.observe({ kind: kindName(j.kind), state: stateName(j.state) }, (j.finishedMs - j.startedMs) / 1000);
    if (j.state === JobState.JOB_STATE_SUCCEEDED && j.result?.snapshot) this.bytes.inc(j.result.snapshot.bytes);
  }
}
