/**
 * The gRPC transport: AgentService on the controller's port. Enroll exchanges a
 * one-time token and a CSR for a certificate; Connect turns each authenticated agent
 * stream into an AgentChannel and feeds what the agent sends to the AgentEvents sink.
 */
import { randomBytes } from 'node:crypto';
import { status, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Clock } from '@coffer/shared/clock.js';
import type { AgentMessage, AgentServiceServer, ControllerMessage, EnrollRequest, EnrollResponse } from '@coffer/shared/gen/coffer/v1/agent.js';
import { AGENT_URI_SCHEME, signClientCertificate, type CaMaterial } from '@coffer/shared/pki/index.js';
import type { Catalog } from '../catalog/catalog.js';
import { ApiError, invalid, toStatus } from '../api/api-error.js';
import type { Authenticator } from '../api/auth.js';
import { checkName } from '../api/validate.js';
import { AGENT_CERT_DAYS } from '../defaults.js';
import type { Logger } from '../observability/log.js';
import type { AgentChannel, AgentEvents } from './transport.js';

/** What the agent service needs. */
export interface AgentServiceDeps {
  readonly catalog: Catalog;
  readonly ca: CaMaterial;
  readonly auth: Authenticator;
  readonly events: AgentEvents;
  readonly clock: Clock;
  readonly log: Logger;
}

/** One agent's stream as an AgentChannel. */
class StreamChannel implements AgentChannel {
  private ended = false;

  constructor(
    readonly agentId: string,
    readonly agentName: string,
    private readonly call: ServerDuplexStream<AgentMessage, ControllerMessage>,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  markEnded(): boolean {
    if (this.ended) return false;
    this.ended = true;
    return true;
  }

  send(msg: ControllerMessage): boolean {
    if (this.ended) return false;
    this.call.write(msg);
    return true;
  }

  close(reason: string): void {
    if (this.ended) return;
    this.call.emit('error', { code: status.UNAVAILABLE, details: reason });
  }

  pause(): void {
    if (!this.ended) this.call.pause();
  }

  resume(): void {
    if (!this.ended) this.call.resume();
  }
}

/** Builds the AgentService implementation. */
export function agentService(d: AgentServiceDeps): AgentServiceServer {
  return {
    enroll(call: ServerUnaryCall<EnrollRequest, EnrollResponse>, cb: sendUnaryData<EnrollResponse>): void {
      enroll(d, call.request).then(
        (res) => cb(null, res),
        (err: unknown) => {
          const s = toStatus(err);
          d.log.warn({ agent: call.request.name, reason: s.details }, 'enrollment refused');
          cb({ code: s.code, details: s.details });
        },
      );
    },

    connect(call: ServerDuplexStream<AgentMessage, ControllerMessage>): void {
      d.auth.requireAgent(call).then(
        (agent) => {
          const ch = new StreamChannel(agent.id, agent.name, call);
          const finish = (reason: string): void => {
            if (ch.markEnded()) d.events.closed(ch, reason);
          };
          call.on('data', (msg: AgentMessage) => {
            if (!ch.isEnded) d.events.message(ch, msg);
          });
          call.on('end', () => {
            finish('the agent closed the stream');
            call.end();
          });
          call.on('cancelled', () => finish('the stream was cancelled'));
          call.on('error', (e: Error) => finish(e.message));
          call.on('close', () => finish('the stream closed'));
          d.events.opened(ch);
        },
        (err: unknown) => {
          const s = toStatus(err);
          d.log.warn({ reason: s.details }, 'agent connection refused');
          call.emit('error', { code: s.code, details: s.details });
        },
      );
    },
  };
}

async function enroll(d: AgentServiceDeps, req: EnrollRequest): Promise<EnrollResponse> {
  checkName('name', req.name);
  if (!/^cft1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(req.token)) throw invalid('token', 'not an enrollment token; create one with coffer ctl token create');
  if (req.csrPem === '') throw invalid('csr_pem', 'missing certificate request');
  const now = d.clock.now();
  const existing = d.catalog.agents.byName(req.name);
  const id = existing?.id ?? randomBytes(8).toString('hex');
  if (!d.catalog.tokens.consume(req.token, now, req.name)) {
    throw new ApiError(status.PERMISSION_DENIED, 'the enrollment token is unknown, already used or expired; create a new one with coffer ctl token create');
  }
  let issued;
  try {
    issued = await signClientCertificate(d.ca, req.csrPem, { commonName: req.name, uri: `${AGENT_URI_SCHEME}:${id}`, days: AGENT_CERT_DAYS });
  } catch (err) {
    throw invalid('csr_pem', err instanceof Error ? err.message : String(err));
  }
  if (existing) d.catalog.agents.replaceCertificate(req.name, issued.serial, issued.notAfter, now);
  else d.catalog.agents.add({ id, name: req.name, certSerial: issued.serial, certExpiresMs: issued.notAfter, enrolledMs: now });
  d.log.info({ agent: req.name, serial: issued.serial, reenrolled: existing !== undefined }, 'agent enrolled');
  return { agentId: id, certificatePem: issued.certPem, caPem: d.ca.certPem };
}
