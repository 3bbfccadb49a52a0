/**
 * The agent's port to the controller, one implementation per transport (grpc-port.ts,
 * nats-port.ts); the session logic (agent-session.ts) is written once above it.
 * Guarantees: `open` starts one session (the caller then sends Hello); messages of a
 * session reach the handlers in the order the controller sent them; `lost` fires once
 * per session, after which the caller opens again (with its own backoff); `sendResult`
 * resolves once the result is handed to the transport (for NATS: persisted in the
 * results stream) and rejects when it could not be; a job may come with a JobDelivery,
 * which the session must settle (ack after its result is persisted, `working` while it
 * runs). Nothing secret is logged.
 */
import type { AgentMessage, ControllerMessage, JobDone } from '@coffer/shared/gen/coffer/v1/agent.js';

/** A job delivered by a durable queue (NATS): settle it exactly once. */
export interface JobDelivery {
  /** How often to call `working` (well inside the queue's AckWait). */
  readonly workingEveryMs: number;
  /** Resets the redelivery timer (the job is still running). */
  working(): void;
  /** The job is finished and its result persisted: remove it from the queue. */
  ack(): Promise<void>;
  /** Not now: deliver again after `delayMs`. */
  nak(delayMs: number): void;
  /** Never: the job is invalid or already superseded. */
  term(reason: string): void;
}

export interface PortHandlers {
  message(m: ControllerMessage, delivery?: JobDelivery): void;
  lost(why: string): void;
}

export interface ControllerPort {
  /** What to name in log lines (an address, never a secret). */
  readonly address: string;
  open(h: PortHandlers): void;
  send(msg: AgentMessage): void;
  /** Sends, then waits until the transport takes more. */
  sendPaced(msg: AgentMessage): Promise<void>;
  sendResult(done: JobDone): Promise<void>;
  /** Ends for good. */
  close(): Promise<void>;
}
