/**
 * How the controller reaches agents, independent of the wire: gRPC streams today
 * (grpc-transport.ts), NATS JetStream later. A transport turns each connected agent
 * into an AgentChannel and reports what the agent sends to an AgentEvents sink.
 * Guarantees a transport gives: messages on one channel arrive in the order sent;
 * `closed` fires once; after it, `send` is a no-op; `pause` stops the agent's messages
 * from being delivered (the transport's flow control then slows the agent's writes)
 * until `resume`.
 */
import type { AgentMessage, ControllerMessage } from '@coffer/shared/gen/coffer/v1/agent.js';

/** One connected agent. */
export interface AgentChannel {
  /** Catalog id of the (authenticated) agent. */
  readonly agentId: string;
  /** Its name in the fleet. */
  readonly agentName: string;
  /** Sends a message; false when the channel is closed. */
  send(msg: ControllerMessage): boolean;
  /** Closes the channel (revocation, shutdown, a newer connection of the same agent). */
  close(reason: string): void;
  /** Holds back the agent's messages (backpressure of forwarded store calls); optional. */
  pause?(): void;
  resume?(): void;
}

/** What a transport reports. */
export interface AgentEvents {
  /** A channel opened: the agent authenticated. Its Hello follows as a message. */
  opened(channel: AgentChannel): void;
  message(channel: AgentChannel, msg: AgentMessage): void;
  closed(channel: AgentChannel, reason: string): void;
  /**
   * A job sent on `channel` never reached the agent's queue (a NATS site's link was down
   * when it was published): its attempt `attempt` is not to be counted. Transports call it
   * before closing the channel. Optional for transports that cannot tell.
   */
  undelivered?(channel: AgentChannel, jobId: string, attempt: number, why: string): void;
}
