/**
 * Where each site's JetStream lives. Without leaf domains every site's streams are the
 * hub's (subjects `coffer.jobs.>`). With `--nats-leaf SITE=DOMAIN`, a leaf site's streams
 * and consumers live on its leaf node's JetStream domain (reached as `$JS.<domain>.API`
 * across the leaf connection), and the hub's streams take only the other sites'
 * subjects, one pair per site, added as sites appear: no stream ever captures another
 * domain's subjects. A site's set-up is done once and retried after a failure (its leaf
 * may be down).
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureStreams } from './nats-streams.js';

/** A site's JetStream API. */
export interface SiteJetStream {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The leaf's domain, or undefined for the hub. */
  readonly domain: string | undefined;
}

export class NatsSites {
  private readonly ready = new Map<string, Promise<SiteJetStream>>();
  private hubSites: string[] = [];
  private hubQueue: Promise<void> = Promise.resolve();

  constructor(
    private readonly nc: NatsConnection,
    readonly hub: SiteJetStream,
    private readonly leafDomains: Readonly<Record<string, string>>,
    /** Called once per leaf domain whose streams are set up (its results are read from then). */
    private readonly onDomain: (s: SiteJetStream) => void,
  ) {}

  get usesLeaves(): boolean {
    return Object.keys(this.leafDomains).length > 0;
  }

  /** Sets up the hub's streams (for `sites`, when leaves are used). */
  async init(hubSites: readonly string[]): Promise<void> {
    if (!this.usesLeaves) return ensureStreams(this.hub.jsm);
    this.hubSites = [...new Set(hubSites)];
    await ensureStreams(this.hub.jsm, this.hubSites);
  }

  /** The JetStream of `site`, its streams set up. */
  forSite(site: string): Promise<SiteJetStream> {
    const cached = this.ready.get(site);
    if (cached) return cached;
    const p = this.setUp(site);
    this.ready.set(site, p);
    p.catch(() => this.ready.delete(site));
    return p;
  }

  /**
   * The JetStream (hub or a leaf domain set up so far) whose `stream` has `consumer`:
   * `domain` first when an advisory names it, else each in turn; undefined when none has.
   */
  async holding(stream: string, consumer: string, domain?: string): Promise<SiteJetStream | undefined> {
    const leaves = await Promise.all([...this.ready.values()].map((p) => p.catch(() => undefined)));
    const all = [this.hub, ...leaves.filter((s): s is SiteJetStream => s !== undefined && s.domain !== undefined)];
    const unique = all.filter((s, i) => all.findIndex((x) => x.domain === s.domain) === i);
    const ordered = domain === undefined ? unique : [...unique.filter((s) => s.domain === domain), ...unique.filter((s) => s.domain !== domain)];
    for (const s of ordered) {
      const found = await s.jsm.consumers.info(stream, consumer).then(
        () => true,
        () => false,
      );
      if (found) return s;
    }
    return undefined;
  }

  private async setUp(site: string): Promise<SiteJetStream> {
    const domain = this.leafDomains[site];
    if (domain === undefined) {
      if (this.usesLeaves && !this.hubSites.includes(site)) {
        this.hubSites.push(site);
        const next = this.hubQueue.then(() => ensureStreams(this.hub.jsm, this.hubSites));
        this.hubQueue = next.catch(() => undefined);
        await next;
      }
      return this.hub;
    }
    const s: SiteJetStream = { js: jetstream(this.nc, { domain }), jsm: await jetstreamManager(this.nc, { domain }), domain };
    await ensureStreams(s.jsm, [site]);
    this.onDomain(s);
    return s;
  }
}
