/**
 * Probes each leaf site's JetStream domain (`$JS.<domain>.API.INFO`, 2 s timeout) every
 * `everyMs` and records the outcome in SiteStates: a leaf whose link to the hub is down
 * answers nothing ("no responders" or a timeout), and the site is then unreachable
 * since that first failed probe. Transitions are logged once. Runs until `stop`; one probe
 * at a time per site; every wait is bounded.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../../observability/log.js';
import type { SiteStates } from '../../site-states.js';

const PROBE_TIMEOUT_MS = 2000;

export class SiteProbe {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly jsms = new Map<string, Promise<JetStreamManager>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly leafDomains: Readonly<Record<string, string>>,
    private readonly states: SiteStates,
    private readonly log: Logger,
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (Object.keys(this.leafDomains).length === 0) return;
    void this.round();
    this.timer = setInterval(() => void this.round(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private jsm(domain: string): Promise<JetStreamManager> {
    let p = this.jsms.get(domain);
    if (!p) {
      p = jetstreamManager(this.nc, { domain, timeout: PROBE_TIMEOUT_MS, checkAPI: false });
      this.jsms.set(domain, p);
      p.catch(() => this.jsms.delete(domain));
    }
    return p;
  }

  /** One probe of every leaf site (skipped while the previous round runs). */
  async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all(Object.entries(this.leafDomains).map(([site, domain]) => this.probe(site, domain)));
    } finally {
      this.running = false;
    }
  }

  private async probe(site: string, domain: string): Promise<void> {
    let error = '';
    try {
      await (await this.jsm(domain)).getAccountInfo();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const reachable = error === '';
    if (!this.states.set(site, reachable, this.now(), error)) return;
    if (reachable) this.log.info({ site, domain }, 'the leaf node of a site is reachable');
    else this.log.warn({ site, domain, err: error }, 'the leaf node of a site is unreachable');
  }
}
