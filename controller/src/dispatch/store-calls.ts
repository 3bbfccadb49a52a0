/**
 * Request/response calls to agents over their channel (agent.proto StoreCall,
 * StoreReply, StoreCallCancel): the controller sends a StoreCall with a fresh call id and
 * reads the StoreReply messages carrying that id until the one with `end`.
 * Guarantees:
 *  - a call ends exactly once: with its last message, with the agent's error (its gRPC
 *    code and message), when its agent's channel closes (UNAVAILABLE), when `timeoutMs`
 *    passes without the end (DEADLINE_EXCEEDED), or when the caller stops (its signal
 *    aborts or it stops iterating); in the last three cases the agent is sent a
 *    StoreCallCancel so it stops working on it;
 *  - memory is bounded: when the replies buffered for an agent's calls exceed
 *    `highWaterBytes`, its channel is paused (the transport's flow control then holds
 *    the agent's writes) until they drop below `lowWaterBytes`; a caller that reads
 *    nothing for `stallMs` while its agent is paused loses its call (RESOURCE_EXHAUSTED),
 *    so one stalled browser cannot hold an agent's channel (and its heartbeats) for long;
 *  - replies for unknown or finished calls, or from another agent, are dropped.
 * Time comes from the injected Clock.
 */
import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { Clock } from '@coffer/shared/clock.js';
import type { StoreCall, StoreReply } from '@coffer/shared/gen/coffer/v1/agent.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import type { AgentChannel } from './transport.js';

export interface StoreCallOptions {
  /** @default 8 MiB */
  readonly highWaterBytes?: number;
  /** @default 1 MiB */
  readonly lowWaterBytes?: number;
  /** @default 15000 */
  readonly stallMs?: number;
}

interface Pending {
  readonly id: string;
  readonly channel: AgentChannel;
  readonly unary: boolean;
  readonly queue: Uint8Array[];
  bytes: number;
  done: boolean;
  error: RpcError | undefined;
  wake: (() => void) | undefined;
  lastReadMs: number;
}

interface ChannelState {
  bytes: number;
  paused: boolean;
  cancelStall: (() => void) | undefined;
}

export class StoreCallRouter {
  private readonly calls = new Map<string, Pending>();
  private readonly channels = new Map<AgentChannel, ChannelState>();
  private readonly high: number;
  private readonly low: number;
  private readonly stallMs: number;

  constructor(
    private readonly clock: Clock,
    opts: StoreCallOptions = {},
  ) {
    this.high = opts.highWaterBytes ?? 8 << 20;
    this.low = opts.lowWaterBytes ?? 1 << 20;
    this.stallMs = opts.stallMs ?? 15_000;
  }

  /** Calls in flight on `channel`. */
  inFlight(channel: AgentChannel): number {
    let n = 0;
    for (const p of this.calls.values()) if (p.channel === channel) n++;
    return n;
  }

  /**
   * Sends `call` on `channel` and yields each reply message (binary protobuf). `unary`:
   * the message with `end` is the response (even when empty); streams end with an empty
   * `end` message. Throws RpcError when the call fails (see the module comment).
   */
  async *call(channel: AgentChannel, call: Omit<StoreCall, 'callId'>, opts: { unary: boolean; signal: AbortSignal; timeoutMs?: number }): AsyncGenerator<Uint8Array> {
    const p: Pending = { id: randomBytes(8).toString('hex'), channel, unary: opts.unary, queue: [], bytes: 0, done: false, error: undefined, wake: undefined, lastReadMs: this.clock.now() };
    if (opts.signal.aborted) throw new RpcError(status.CANCELLED, 'the caller went away');
    this.calls.set(p.id, p);
    const onAbort = (): void => this.finish(p, new RpcError(status.CANCELLED, 'the caller went away'), true);
    opts.signal.addEventListener('abort', onAbort);
    const cancelTimeout =
      opts.timeoutMs !== undefined
        ? this.clock.setTimer(() => this.finish(p, new RpcError(status.DEADLINE_EXCEEDED, `agent ${channel.agentName} did not answer ${call.method} within ${Math.round((opts.timeoutMs ?? 0) / 1000)} s`), true), opts.timeoutMs)
        : undefined;
    try {
      if (!channel.send({ msg: { $case: 'storeCall', value: { ...call, callId: p.id } } })) throw new RpcError(status.UNAVAILABLE, `agent ${channel.agentName} disconnected`);
      for (;;) {
        const m = p.queue.shift();
        if (m !== undefined) {
          this.took(p, m.length);
          yield m;
          continue;
        }
        if (p.error) throw p.error;
        if (p.done) return;
        await new Promise<void>((resolve) => (p.wake = resolve));
        p.wake = undefined;
      }
    } finally {
      cancelTimeout?.();
      opts.signal.removeEventListener('abort', onAbort);
      // Still open here: the caller stopped early; tell the agent.
      if (!p.done) this.finish(p, undefined, true);
      if (p.bytes > 0) {
        this.took(p, p.bytes);
        p.queue.length = 0;
      }
    }
  }

  /** A StoreReply from the agent on `channel`. */
  reply(channel: AgentChannel, r: StoreReply): void {
    const p = this.calls.get(r.callId);
    if (!p || p.channel !== channel || p.done) return;
    if (r.end && r.errorCode !== 0) {
      this.finish(p, new RpcError(r.errorCode, r.errorMessage || `agent ${channel.agentName} failed the call`), false);
      return;
    }
    if (!r.end || p.unary || r.message.length > 0) {
      p.queue.push(r.message);
      p.bytes += r.message.length;
      this.buffered(channel, r.message.length);
    }
    if (r.end) this.finish(p, undefined, false);
    else p.wake?.();
  }

  /** The channel closed: its calls fail. */
  closed(channel: AgentChannel): void {
    for (const p of [...this.calls.values()]) {
      if (p.channel === channel) this.finish(p, new RpcError(status.UNAVAILABLE, `agent ${channel.agentName} disconnected during the call; try again`), false);
    }
    this.channels.get(channel)?.cancelStall?.();
    this.channels.delete(channel);
  }

  /** Ends `p` (once): `error` for the caller, a StoreCallCancel to the agent when `cancel`. */
  private finish(p: Pending, error: RpcError | undefined, cancel: boolean): void {
    if (!this.calls.has(p.id)) return;
    this.calls.delete(p.id);
    p.done = true;
    if (error) {
      p.error = error;
      this.took(p, p.bytes);
      p.queue.length = 0;
    }
    if (cancel) p.channel.send({ msg: { $case: 'storeCancel', value: { callId: p.id } } });
    p.wake?.();
  }

  private state(channel: AgentChannel): ChannelState {
    let s = this.channels.get(channel);
    if (!s) this.channels.set(channel, (s = { bytes: 0, paused: false, cancelStall: undefined }));
    return s;
  }

  private buffered(channel: AgentChannel, n: number): void {
    const s = this.state(channel);
    s.bytes += n;
    if (s.paused || s.bytes <= this.high || !channel.pause) return;
    s.paused = true;
    channel.pause();
    this.armStall(channel, s);
  }

  /** `n` bytes of `p` left the buffer (read by the caller, or dropped). */
  private took(p: Pending, n: number): void {
    p.bytes -= n;
    p.lastReadMs = this.clock.now();
    const s = this.channels.get(p.channel);
    if (!s) return;
    s.bytes -= n;
    if (s.paused && s.bytes < this.low) {
      s.paused = false;
      s.cancelStall?.();
      s.cancelStall = undefined;
      p.channel.resume?.();
    }
  }

  /** While paused, drops the call that has read nothing for stallMs and holds the most. */
  private armStall(channel: AgentChannel, s: ChannelState): void {
    s.cancelStall = this.clock.setTimer(() => {
      s.cancelStall = undefined;
      if (!s.paused) return;
      const now = this.clock.now();
      const stalled = [...this.calls.values()].filter((p) => p.channel === channel && now - p.lastReadMs >= this.stallMs).sort((a, b) => b.bytes - a.bytes)[0];
      if (stalled) this.finish(stalled, new RpcError(status.RESOURCE_EXHAUSTED, `the call read nothing for ${Math.round(this.stallMs / 1000)} s while agent ${channel.agentName} waited; start it again`), true);
      if (s.paused) this.armStall(channel, s);
    }, this.stallMs);
  }
}
