/**
 * The gRPC transport: AgentService on the controller's port. Enroll hands the request to
 * the enrollment module (enrollment.ts, shared by every transport); Connect turns each
 * authenticated agent stream into an AgentChannel and feeds what the agent sends to the
 * AgentEvents sink.
 */
import { status, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall } from '@grpc/grpc-js';
import type { AgentMessage, AgentServiceServer, ControllerMessage, EnrollRequest, EnrollResponse } from '@coffer/shared/gen/coffer/v1/agent.js';
import { toStatus } from '../../../api/api-error.js';
import type { Authenticator } from '../../../api/auth.js';
import { enrollAgent, type EnrollmentDeps } from '../../enrollment.js';
import type { AgentChannel, AgentEvents } from '../../transport.js';

/** What the agent service needs. */
export interface AgentServiceDeps extends EnrollmentDeps {
  readonly auth: Authenticator;
  readonly events: AgentEvents;
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
      enrollAgent(d, call.request).then(
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
