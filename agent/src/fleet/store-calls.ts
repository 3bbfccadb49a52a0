/**
 * The agent's side of StoreCall (agent.proto): the controller forwards a StoreService
 * call for a store this agent can reach; the agent runs it on a session of that store
 * (kept open in a StoreSessionCache, so the next call pays neither argon2id nor the
 * index load) and answers with StoreReply messages: a unary method one message with
 * `end`; a streaming one each message in turn, then an empty one with `end`; a failure
 * one message with `end`, `error_code` (a gRPC status) and `error_message`.
 *
 * Guarantees:
 *  - Replies are sent one at a time, each after the previous was taken by the stream
 *    (`send` resolves on drain), so a slow controller slows the reading, never fills memory.
 *  - StoreCallCancel (or `cancelAll`, when the stream is lost) aborts the call; nothing
 *    more is sent for it.
 *  - The passphrase is the call's, else the agent's own (passphrases.json); it is never
 *    logged or sent back. The store's identity is checked against what the agent's state
 *    folder remembers, as its jobs do.
 *  - Restore is refused (FAILED_PRECONDITION): console restores run as restore jobs on the
 *    destination's agent. Check results are remembered in the agent's state folder.
 */
import { status } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { StoreCall, StoreReply } from '@coffer/shared/gen/coffer/v1/agent.js';
import { StoreServiceDefinition } from '@coffer/shared/gen/coffer/v1/store.js';
import { RpcError, toRpcError } from '@coffer/shared/rpc/errors.js';
import type { MethodDefinition } from '@coffer/shared/rpc/service.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import { takeStoreLock } from '../cli/lock.js';
import { trustedOpen } from '../cli/reader-session.js';
import { storeTrust } from '../cli/store-trust.js';
import type { LocalPassphrases } from '../jobs/local-passphrases.js';
import { createStoreApi } from '../ops/store-api.js';
import type { StoreSession } from '../ops/store-session.js';
import type { StoreSessionCache } from '../ops/store-session-cache.js';
import { openBackend } from '../storage/registry.js';

/** Options of {@link StoreCalls}. */
export interface StoreCallsOptions {
  /** Sends one reply; resolves when the stream can take the next (drain). */
  readonly send: (reply: StoreReply) => Promise<void>;
  readonly cache: StoreSessionCache;
  readonly passphrases: LocalPassphrases;
  /** The environment naming the agent's state folder (COFFER_STATE_DIR: its data folder's state/). */
  readonly stateEnv: NodeJS.ProcessEnv;
  readonly log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

/** Options of an endpoint that are the CLI's passphrase settings, not the backend's. */
const PASSPHRASE_OPTIONS: ReadonlySet<string> = new Set(['passphrase', 'passphrase_cmd', 'passphrase_file']);

type MethodKey = keyof StoreApi;
const METHODS = new Map<string, { key: MethodKey; def: MethodDefinition }>(
  Object.entries(StoreServiceDefinition.methods).map(([key, def]) => [def.name, { key: key as MethodKey, def }]),
);

/** The StoreCall handler of one agent. */
export class StoreCalls {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly opts: StoreCallsOptions) {}

  /** Calls running now. */
  get size(): number {
    return this.running.size;
  }

  /** Starts a call; its replies go through `send`. Resolves when it has ended. */
  async handle(call: StoreCall): Promise<void> {
    if (this.running.has(call.callId)) return;
    const ac = new AbortController();
    this.running.set(call.callId, ac);
    try {
      await this.run(call, ac.signal);
    } catch (err) {
      if (ac.signal.aborted) return;
      const e = toRpcError(err);
      if (e.code === status.INTERNAL) this.opts.log('error', `store call ${call.method} failed: ${(err as Error).message}`, { call: call.callId });
      await this.reply(call, ac.signal, { message: Buffer.alloc(0), end: true, errorCode: e.code, errorMessage: e.message });
    } finally {
      this.running.delete(call.callId);
      // One line per call with the cache's counts: whether the store was opened or its index loaded again.
      this.opts.log('info', 'store call', { call: call.callId, method: call.method, store: call.store?.name, opens: this.opts.cache.opens, indexLoads: this.opts.cache.indexLoads });
    }
  }

  /** Aborts a call (StoreCallCancel). */
  cancel(callId: string): void {
    this.running.get(callId)?.abort(new CofferError(ErrorCode.Interrupted, 'the controller cancelled the call'));
  }

  /** Aborts every call (the stream to the controller is gone). */
  cancelAll(): void {
    for (const id of [...this.running.keys()]) this.cancel(id);
  }

  private async reply(call: StoreCall, signal: AbortSignal, r: Omit<StoreReply, 'callId' | 'errorCode' | 'errorMessage'> & Partial<StoreReply>): Promise<void> {
    if (signal.aborted) return;
    await this.opts.send({ callId: call.callId, errorCode: 0, errorMessage: '', ...r });
  }

  private async run(call: StoreCall, signal: AbortSignal): Promise<void> {
    const m = METHODS.get(call.method);
    if (!m) throw new RpcError(status.UNIMPLEMENTED, `StoreService has no method '${call.method.slice(0, 80)}'; update this agent`);
    if (m.key === 'restore') throw new RpcError(status.FAILED_PRECONDITION, 'console restores run as restore jobs on the destination\'s agent');
    let req: never;
    try {
      req = m.def.requestType.decode(call.request) as never;
    } catch {
      throw new RpcError(status.INVALID_ARGUMENT, `the ${call.method} request does not decode`);
    }
    const session = await this.session(call);
    const api = createStoreApi(session, { env: this.opts.stateEnv });
    const ctx = { signal };
    const encode = (msg: never): Buffer => Buffer.from(m.def.responseType.encode(msg).finish());
    // The api's methods are arrow functions (createStoreApi): no `this` to lose.
    const handler = Reflect.get(api, m.key) as (req: never, ctx: { signal: AbortSignal }) => Promise<never> | AsyncIterable<never>;
    if (!m.def.responseStream) {
      const res = await (handler(req, ctx) as Promise<never>);
      await this.reply(call, signal, { message: encode(res), end: true });
      return;
    }
    for await (const msg of handler(req, ctx) as AsyncIterable<never>) {
      if (signal.aborted) return;
      await this.reply(call, signal, { message: encode(msg), end: false });
    }
    await this.reply(call, signal, { message: Buffer.alloc(0), end: true });
  }

  /** The session of the call's store, from the cache. */
  private session(call: StoreCall): Promise<StoreSession> {
    const ep = call.store;
    if (!ep?.location) throw new RpcError(status.INVALID_ARGUMENT, 'store: the call names no store location');
    const name = ep.name || ep.location;
    const options = Object.fromEntries(Object.entries(ep.options).filter(([k]) => !PASSPHRASE_OPTIONS.has(k) && k !== 'location'));
    const { passphrases, stateEnv, log } = this.opts;
    const warn = (line: string): void => log('warn', line, { store: name });
    const local = (): boolean => {
      try {
        return passphrases.names().includes(name);
      } catch {
        return false;
      }
    };
    const given = call.passphrase !== '' ? 'the controller' : local() ? "the agent's passphrases.json" : undefined;
    return this.opts.cache.get({
      location: ep.location,
      options,
      display: name,
      passphrase: call.passphrase !== '' ? call.passphrase : () => this.localPassphrase(name),
      warn,
      lock: (repo) => takeStoreLock(repo, 'viewer', false, warn),
      ...trustedOpen(
        () => openBackend(ep.location, options),
        (location) => storeTrust({ location, display: name, passphraseGiven: given, env: stateEnv, warn }),
      ),
    });
  }

  private async localPassphrase(name: string): Promise<string> {
    const p = await this.opts.passphrases.localPassphrase(name);
    if (p === undefined) throw new CofferError(ErrorCode.WrongPassphrase, `store '${name}' is encrypted and neither the controller nor this agent holds its passphrase; add it to the agent's passphrases.json or to the catalog`);
    return p;
  }
}
