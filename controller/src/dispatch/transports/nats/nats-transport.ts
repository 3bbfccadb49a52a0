/**
 * The NATS JetStream transport (beside gRPC; one controller serves both). Agents are
 * identified by the subject they publish on, which the server's permissions tie to
 * their NKey user (`coffer controller nats-config`); the controller still checks each
 * against the catalog (enrolled for NATS, same site, not revoked). A Hello request opens
 * the agent's channel (its job consumer is created or adjusted first) and is answered
 * REPLY_KNOWN; a Heartbeat request is answered REPLY_KNOWN or REPLY_UNKNOWN (the agent
 * then says Hello again), so presence comes from heartbeats alone. Results come from
 * the results stream: delivered to the agent's channel and acked, or nak'ed with a
 * delay while the agent has no channel. MAX_DELIVERIES advisories of the jobs streams (hub and leaf domains)
 * are logged and the exhausted job message removed (the dispatcher's lost-agent timer
 * then retries the job). Sites with a leaf node keep their streams on its JetStream
 * domain (nats-sites.ts). Guarantees of transport.ts hold, except pause/resume.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { AgentMessage, ControllerMessage, JobDone, RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import {
  JOBS_STREAM,
  REPLY_KNOWN,
  REPLY_UNKNOWN,
  RESULTS_CONSUMER,
  RESULTS_STREAM,
  addressOf,
  downSubject,
  jobMsgId,
  jobsSubject,
  type AgentAddress,
} from '@coffer/shared/nats/subjects.js';
import type { Catalog } from '../../../catalog/catalog.js';
import type { Logger } from '../../../observability/log.js';
import type { AgentEvents } from '../../transport.js';
import { NatsChannel, type NatsChannelIo } from './nats-channel.js';
import { natsConnectOptions, type NatsOptions } from './nats-connect.js';
import { checkServerVersion, dropAgentConsumer, ensureAgentConsumer } from './nats-streams.js';
import { NatsSites, type SiteJetStream } from './nats-sites.js';
import { SiteProbe } from './site-probe.js';
import type { SiteStates } from '../../site-states.js';

/** What the transport needs. */
export interface NatsTransportDeps {
  readonly catalog: Catalog;
  readonly events: AgentEvents;
  readonly log: Logger;
  readonly nats: NatsOptions;
  /** AckWait of the agents' job consumers (tests shorten it). */
  readonly jobAckWaitMs?: number;
  /** Sites whose streams live on their leaf node's JetStream domain: site -> domain. */
  readonly leafDomains?: Readonly<Record<string, string>>;
  /** Where the leaf sites' reachability is recorded (probed every `siteProbeMs`, default 5 s). */
  readonly sites?: SiteStates;
  readonly siteProbeMs?: number;
}

const enc = new TextEncoder();

export class NatsTransport implements NatsChannelIo {
  private readonly channels = new Map<string, NatsChannel>();
  private stopped = false;
  private readonly sites: NatsSites;
  private probe: SiteProbe | undefined;

  private constructor(
    private readonly d: NatsTransportDeps,
    private readonly nc: NatsConnection,
    hub: SiteJetStream,
  ) {
    this.sites = new NatsSites(nc, hub, d.leafDomains ?? {}, (s) => void this.results(s));
  }

  /** Connects (waiting for the server), checks it, sets up the streams and starts serving. */
  static async start(d: NatsTransportDeps): Promise<NatsTransport> {
    const nc = await connect(natsConnectOptions(d.nats, 'coffer-controller'));
    try {
      checkServerVersion(nc.info?.version);
      const hub: SiteJetStream = { js: jetstream(nc), jsm: await jetstreamManager(nc), domain: undefined };
      const t = new NatsTransport(d, nc, hub);
      const leaves = d.leafDomains ?? {};
      await t.sites.init(d.catalog.agents.list().flatMap((a) => (a.nats && leaves[a.nats.site] === undefined ? [a.nats.site] : [])));
      t.serve();
      if (d.sites) {
        t.probe = new SiteProbe(nc, leaves, d.sites, d.log, d.siteProbeMs ?? 5000);
        t.probe.start();
      }
      for (const site of Object.keys(leaves)) t.sites.forSite(site).catch((err: unknown) => d.log.warn({ site, err: err instanceof Error ? err.message : String(err) }, 'the leaf node of a site is not reachable yet'));
      d.log.info({ nats: d.nats.url, server: nc.info?.version }, 'serving agents over NATS');
      return t;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private serve(): void {
    this.nc.subscribe('coffer.up.*.*', { callback: (err, m) => (err ? this.d.log.warn({ err: err.message }, 'NATS subscription failed') : this.up(m)) });
    this.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${JOBS_STREAM}.*`, { callback: (err, m) => (err ? undefined : void this.exhausted(m)) });
    void this.results(this.sites.hub);
    void (async () => {
      for await (const s of this.nc.status()) this.d.log.info({ status: s.type }, 'NATS connection status');
    })();
  }

  /** The catalog's agent behind a subject, if it may use it. */
  private agentOf(a: AgentAddress): { id: string; name: string; boxKey: string } | undefined {
    const rec = this.d.catalog.agents.byId(a.agentId);
    if (!rec || rec.revoked || !rec.nats || rec.nats.site !== a.site) return undefined;
    return { id: rec.id, name: rec.name, boxKey: rec.nats.boxKey };
  }

  private up(m: Msg): void {
    const a = addressOf(m.subject);
    if (!a) return;
    let msg: AgentMessage;
    try {
      msg = AgentMessage.decode(m.data);
    } catch {
      this.d.log.warn({ subject: m.subject }, 'ignoring an undecodable NATS message');
      return;
    }
    const agent = this.agentOf(a);
    const cur = this.channels.get(a.agentId);
    if (!agent) {
      if (cur) cur.close('the agent was revoked');
      if (msg.msg?.$case === 'hello') {
        this.d.log.warn({ agent: a.agentId, site: a.site }, 'NATS agent refused: not enrolled for NATS at this site, or revoked');
        void this.sites.forSite(a.site).then((s) => dropAgentConsumer(s.jsm, a.agentId), () => undefined);
      }
      if (m.reply) m.respond(enc.encode(REPLY_UNKNOWN));
      return;
    }
    if (msg.msg?.$case === 'hello') {
      const hello = msg;
      const maxJobs = msg.msg.value.maxJobs;
      // At once, not after the consumer set-up: results the agent sends after its Hello
      // (its outbox) must wait for the new channel, not reach the old one.
      cur?.close('replaced by a newer connection of the same agent');
      this.sites.forSite(a.site).then((s) => ensureAgentConsumer(s.jsm, a, maxJobs > 0 ? maxJobs : 2, this.d.jobAckWaitMs)).then(
        () => {
          this.channels.get(a.agentId)?.close('replaced by a newer connection of the same agent');
          const ch = new NatsChannel(agent.id, agent.name, a, agent.boxKey, this);
          this.channels.set(a.agentId, ch);
          this.d.events.opened(ch);
          this.d.events.message(ch, hello);
          if (m.reply) m.respond(enc.encode(REPLY_KNOWN));
        },
        (err: unknown) => this.d.log.error({ agent: agent.name, err: err instanceof Error ? err.message : String(err) }, 'cannot create the job consumer of a NATS agent'),
      );
      return;
    }
    if (m.reply) m.respond(enc.encode(cur ? REPLY_KNOWN : REPLY_UNKNOWN));
    if (cur) this.d.events.message(cur, msg);
  }

  /** Reads a results stream (the hub's or a leaf domain's) for as long as the transport runs. */
  private async results(site: SiteJetStream): Promise<void> {
    for (let round = 0; !this.stopped; round++) {
      try {
        const consumer = await site.js.consumers.get(RESULTS_STREAM, RESULTS_CONSUMER);
        const it = await consumer.consume({ max_messages: 64 });
        for await (const m of it) {
          if (this.stopped) break;
          const a = addressOf(m.subject);
          const ch = a ? this.channels.get(a.agentId) : undefined;
          if (!a || !this.agentOf(a)) {
            m.term();
            continue;
          }
          if (!ch) {
            m.nak(2000);
            continue;
          }
          let done: JobDone;
          try {
            done = JobDone.decode(m.data);
          } catch {
            m.term();
            continue;
          }
          this.d.events.message(ch, { msg: { $case: 'done', value: done } });
          m.ack();
        }
      } catch (err) {
        if (this.stopped) return;
        this.d.log.warn({ err: err instanceof Error ? err.message : String(err), round, domain: site.domain }, 'results consumer interrupted; resuming');
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /**
   * A MAX_DELIVERIES advisory, from the hub or from a leaf site's domain (advisories cross
   * the leaf connection with the same subject): the stream it is about is the one of the
   * domain that has its consumer (agent consumers live in their site's domain only).
   */
  private async exhausted(m: Msg): Promise<void> {
    try {
      const adv = JSON.parse(new TextDecoder().decode(m.data)) as { stream_seq?: number; consumer?: string; deliveries?: number; domain?: string };
      if (adv.stream_seq === undefined || adv.consumer === undefined) return;
      const site = await this.sites.holding(JOBS_STREAM, adv.consumer, adv.domain);
      if (!site) {
        this.d.log.warn({ consumer: adv.consumer, domain: adv.domain }, 'a MAX_DELIVERIES advisory for a consumer no known JetStream has');
        return;
      }
      const stored = await site.jsm.streams.getMessage(JOBS_STREAM, { seq: adv.stream_seq });
      const job = stored ? RunJob.decode(stored.data) : undefined;
      this.d.log.warn({ consumer: adv.consumer, deliveries: adv.deliveries, job: job?.jobId, attempt: job?.attempt, domain: site.domain }, 'a job reached its maximum deliveries on NATS; removing it');
      await site.jsm.streams.deleteMessage(JOBS_STREAM, adv.stream_seq);
    } catch (err) {
      this.d.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot handle a MAX_DELIVERIES advisory');
    }
  }

  // --- NatsChannelIo ------------------------------------------------------------

  publishDown(a: AgentAddress, msg: ControllerMessage): void {
    this.nc.publish(downSubject(a), ControllerMessage.encode(msg).finish());
  }

  async publishJob(a: AgentAddress, run: RunJob): Promise<number> {
    const s = await this.sites.forSite(a.site);
    const ack = await s.js.publish(jobsSubject(a), RunJob.encode(run).finish(), { msgID: jobMsgId(run.jobId, run.attempt) });
    return ack.seq;
  }

  async deleteJob(a: AgentAddress, seq: number): Promise<void> {
    const s = await this.sites.forSite(a.site);
    await s.jsm.streams.deleteMessage(JOBS_STREAM, seq).catch(() => false);
  }

  undelivered(ch: NatsChannel, run: RunJob, why: string): void {
    this.d.events.undelivered?.(ch, run.jobId, run.attempt, why);
  }

  failed(ch: NatsChannel, why: string): void {
    this.d.log.error({ agent: ch.agentName, reason: why }, 'closing a NATS agent channel');
    ch.close(why);
  }

  closed(ch: NatsChannel, reason: string): void {
    if (this.channels.get(ch.agentId) === ch) this.channels.delete(ch.agentId);
    this.d.events.closed(ch, reason);
  }

  /** Whether the agent has an open NATS channel. */
  has(agentId: string): boolean {
    return this.channels.has(agentId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.probe?.stop();
    for (const ch of [...this.channels.values()]) ch.close('the controller is stopping');
    await this.nc.drain().catch(() => this.nc.close());
  }
}
