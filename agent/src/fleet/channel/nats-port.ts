/**
 * The NATS ControllerPort. One NATS connection (NKey user, its own inbox prefix,
 * reconnecting forever) for the agent's life. A session: Hello and Heartbeat go as
 * requests to `coffer.up.<site>.<agent>`, and a missing or REPLY_UNKNOWN answer ends the
 * session (`lost`; the session then says Hello again); other messages are published there;
 * the controller's messages arrive on `coffer.down.<site>.<agent>`. Jobs are pulled one
 * at a time (`next`, no prebuffering) from the agent's durable consumer, whose
 * max_ack_pending is the agent's job limit, from the first Welcome (the controller has
 * made the consumer) for as long as the port is open (also while no session is up: jobs
 * keep coming while the controller is away), and handed over with their JobDelivery
 * (`working` due every quarter of the consumer's AckWait); a sealed passphrase (of a job
 * or a store call) is opened here. Results are published to the
 * results stream and `sendResult` resolves when the server has stored them.
 */
import { jetstream, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { connect, millis, nkeyAuthenticator, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { AgentMessage, ControllerMessage, JobDone, RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { JOB_ACK_WAIT_MS, JOBS_STREAM, REPLY_KNOWN, agentInbox, downSubject, jobConsumer, resultsSubject, siteToken, upSubject, type AgentAddress } from '@coffer/shared/nats/subjects.js';
import type { AgentIdentity } from '../agent-files.js';
import { openSealed } from './box.js';
import type { ControllerPort, JobDelivery, PortHandlers } from './controller-port.js';

const REQUEST_TIMEOUT_MS = 5000;
/**
 * How long one pull request waits for a job. nats.js sends the server an idle heartbeat
 * every half of it, and a new pull follows each expiry, so this sets the idle cost of every
 * agent: at 5 s, 10,000 agents made nats-server answer 2,000 pulls and 4,000 heartbeats a
 * second. A lost connection does not wait for it: on reconnect nats.js pulls again at once.
 */
const PULL_EXPIRES_MS = 30_000;
/** A session whose Hello was answered but whose Welcome did not follow within this is lost. */
const WELCOME_TIMEOUT_MS = 10_000;

/** TLS verification failures of Node (err.code, also on err.cause): the server's certificate is not one the agent trusts. */
const UNTRUSTED = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_SIGNATURE_FAILURE|ERR_TLS_CERT_ALTNAME_INVALID|CERT_HAS_EXPIRED)$/;

/** One line on why the first connection to the NATS server failed. */
export function natsConnectFailure(address: string, err: unknown): string {
  const codes: string[] = [];
  for (let e: unknown = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    const c = (e as NodeJS.ErrnoException).code;
    if (typeof c === 'string') codes.push(c);
  }
  const bad = codes.find((c) => UNTRUSTED.test(c));
  if (bad) return `the NATS server at ${address} is not trusted (${bad}): its certificate must come from the controller's CA and name the host dialled; write it with 'coffer controller nats-config --tls [--tls-host NAME]'`;
  return `cannot reach NATS at ${address}: ${err instanceof Error ? err.message : String(err)}`;
}

export class NatsPort implements ControllerPort {
  readonly address: string;
  private readonly at: AgentAddress;
  private nc: NatsConnection | undefined;
  private connecting: Promise<NatsConnection> | undefined;
  /** The session whose Welcome arrived. */
  private welcomed = 0;
  private js: JetStreamClient | undefined;
  private down: Subscription | undefined;
  private handlers: PortHandlers | undefined;
  private session = 0;
  private closed = false;
  private pulling = false;
  private workingEveryMs = Math.floor(JOB_ACK_WAIT_MS / 4);

  constructor(
    private readonly id: AgentIdentity,
    private readonly log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void,
  ) {
    if (!id.natsUrl || !id.natsSecrets) throw new CofferError(ErrorCode.Config, `the enrollment in ${id.dataDir} has no NATS identity; enroll again with --transport nats`);
    this.address = id.natsUrl;
    this.at = { site: id.site ?? siteToken(id.labels.site), agentId: id.agentId };
  }

  /** The one connection (made once; a failed attempt is forgotten so the next call retries). */
  private connection(): Promise<NatsConnection> {
    if (this.connecting) return this.connecting;
    const seed = new TextEncoder().encode(this.id.natsSecrets?.seed ?? '');
    // tls://: the server must show a certificate from the controller's CA (nats-config --tls); the agent's own certificate goes with it.
    const tls = this.address.startsWith('tls://') ? { tls: { ca: this.id.caPem, cert: this.id.certPem, key: this.id.keyPem } } : {};
    this.connecting = connect({ servers: this.address, name: `coffer-agent-${this.id.name}`, authenticator: nkeyAuthenticator(seed), inboxPrefix: agentInbox(this.id.agentId), maxReconnectAttempts: -1, reconnectTimeWait: 1000, ignoreClusterUpdates: true, ...tls }).then(
      (nc) => {
        this.nc = nc;
        this.js = jetstream(nc);
        return nc;
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  open(h: PortHandlers): void {
    this.handlers = h;
    const session = ++this.session;
    this.connection().then(
      (nc) => {
        if (!this.down) {
          this.down = nc.subscribe(downSubject(this.at), {
            callback: (err, m) => {
              if (err) return;
              try {
                const cm = this.unsealed(ControllerMessage.decode(m.data));
                if (cm.msg?.$case === 'welcome') {
                  this.welcomed = this.session;
                  // Its consumer exists once the controller has welcomed it.
                  if (!this.pulling) void this.pull();
                }
                this.handlers?.message(cm);
              } catch {
                this.log('warn', 'ignoring an undecodable message from the controller');
              }
            },
          });
        }
      },
      (err: unknown) => this.lose(session, natsConnectFailure(this.address, err)),
    );
  }

  /** A store call with its sealed passphrase opened. */
  private unsealed(cm: ControllerMessage): ControllerMessage {
    if (cm.msg?.$case !== 'storeCall' || cm.msg.value.sealedPassphrase.length === 0) return cm;
    const s = this.id.natsSecrets;
    const passphrase = openSealed(cm.msg.value.sealedPassphrase, s?.boxPublic ?? '', s?.boxSecret ?? '');
    return { msg: { $case: 'storeCall', value: { ...cm.msg.value, passphrase, sealedPassphrase: Buffer.alloc(0) } } };
  }

  private lose(session: number, why: string): void {
    if (session !== this.session || this.closed) return;
    this.session++;
    this.handlers?.lost(why);
  }

  send(msg: AgentMessage): void {
    const session = this.session;
    const c = msg.msg?.$case;
    if (msg.msg?.$case === 'done') {
      void this.sendResult(msg.msg.value).catch(() => undefined);
      return;
    }
    void this.connection().then(
      async (nc) => {
        const data = AgentMessage.encode(msg).finish();
        if (c !== 'hello' && c !== 'heartbeat') {
          nc.publish(upSubject(this.at), data);
          return;
        }
        try {
          const r = await nc.request(upSubject(this.at), data, { timeout: REQUEST_TIMEOUT_MS });
          if (new TextDecoder().decode(r.data) !== REPLY_KNOWN) this.lose(session, 'the controller does not know this session');
          else if (c === 'hello') setTimeout(() => this.welcomed !== session && this.lose(session, 'no Welcome from the controller'), WELCOME_TIMEOUT_MS).unref();
        } catch (err) {
          this.lose(session, `no answer from the controller over NATS (${err instanceof Error ? err.message : String(err)})`);
        }
      },
      (err: unknown) => this.lose(session, String(err)),
    );
  }

  async sendPaced(msg: AgentMessage): Promise<void> {
    this.send(msg);
    await this.nc?.flush().catch(() => undefined);
  }

  async sendResult(done: JobDone): Promise<void> {
    await this.connection();
    await this.js?.publish(resultsSubject(this.at), JobDone.encode(done).finish(), { timeout: REQUEST_TIMEOUT_MS });
  }

  /** Pulls jobs one at a time until closed; bounded waits, retried after errors. */
  private async pull(): Promise<void> {
    this.pulling = true;
    while (!this.closed) {
      try {
        const consumer = await this.js?.consumers.get(JOBS_STREAM, jobConsumer(this.id.agentId));
        const aw = consumer ? (await consumer.info(true)).config.ack_wait : undefined;
        const ackWait = aw ? millis(aw) : JOB_ACK_WAIT_MS;
        this.workingEveryMs = Math.max(250, Math.floor(ackWait / 4));
        while (!this.closed && consumer) {
          const m = await consumer.next({ expires: PULL_EXPIRES_MS });
          if (m) this.deliver(m);
        }
      } catch (err) {
        if (this.closed) break;
        this.log('warn', `cannot pull jobs from NATS: ${err instanceof Error ? err.message : String(err)}; retrying`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    this.pulling = false;
  }

  private deliver(m: JsMsg): void {
    const delivery: JobDelivery = {
      workingEveryMs: this.workingEveryMs,
      working: () => m.working(),
      ack: async () => {
        await m.ackAck({ timeout: REQUEST_TIMEOUT_MS });
      },
      nak: (ms) => m.nak(ms),
      term: (reason) => m.term(reason),
    };
    let run: RunJob;
    try {
      run = RunJob.decode(m.data);
      if (run.sealedPassphrase.length > 0) {
        const s = this.id.natsSecrets;
        run = { ...run, passphrase: openSealed(run.sealedPassphrase, s?.boxPublic ?? '', s?.boxSecret ?? ''), sealedPassphrase: Buffer.alloc(0) };
      }
    } catch (err) {
      this.log('error', `refusing an invalid job from NATS: ${err instanceof Error ? err.message : String(err)}`);
      m.term('invalid job');
      return;
    }
    if (!this.handlers) {
      m.nak(5000);
      return;
    }
    this.handlers.message({ msg: { $case: 'run', value: run } }, delivery);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.session++;
    await this.nc?.drain().catch(() => this.nc?.close());
  }
}
