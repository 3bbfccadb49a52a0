/**
 * StoreService for the console and integrators without the controller ever opening a
 * store: each call is forwarded over the agent channel (store-calls.ts) to a connected
 * agent that can reach the named catalog store — its labels match the store's `reach`
 * selector and, for a store whose passphrase the agents keep, it holds that passphrase;
 * the same rule verify jobs follow. Calls on one store go to the agent that answered the
 * last one while it stays eligible, so its cache of the opened store (key derived, index
 * loaded) serves the next click. The passphrase travels in the call only when the
 * controller holds it (never logged). No eligible agent: UNAVAILABLE "no connected agent
 * can reach store X (reach=…)".
 * Beyond forwarding: GetStoreInfo and ListStoreSnapshots carry the last check the
 * controller recorded; a Check's outcome is recorded (jobs/check-results.ts); Restore is
 * not forwarded but run as a restore job (console-restore.ts), given here as `restore`.
 */
import { status } from '@grpc/grpc-js';
import type { Clock } from '@coffer/shared/clock.js';
import type { Endpoint } from '@coffer/shared/gen/coffer/v1/agent.js';
import type { Store } from '@coffer/shared/gen/coffer/v1/controller.js';
import { StoreServiceDefinition, type CheckSummary, type RestoreEvent, type StoreRestoreRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import type { Catalog } from '../catalog/catalog.js';
import { recordConsoleCheck } from '../jobs/check-results.js';
import type { Logger } from '../observability/log.js';
import { matchesSelector, type AgentRegistry, type LiveAgent } from './agent-registry.js';
import type { StoreCallRouter } from './store-calls.js';

/** How long a unary call may take on the agent (a first listing of a huge folder included). */
export const DEFAULT_UNARY_TIMEOUT_MS = 120_000;

export interface ForwarderDeps {
  readonly catalog: Catalog;
  readonly registry: AgentRegistry;
  readonly router: StoreCallRouter;
  readonly clock: Clock;
  readonly log: Logger;
  readonly restore: (req: StoreRestoreRequest, ctx: CallContext) => AsyncIterable<RestoreEvent>;
  readonly unaryTimeoutMs?: number;
}

type Methods = typeof StoreServiceDefinition.methods;
type Msg<T> = T extends { decode(input: Uint8Array): infer M } ? M : never;
type Req<K extends keyof Methods> = Msg<Methods[K]['requestType']>;
type Res<K extends keyof Methods> = Msg<Methods[K]['responseType']>;

export function createStoreForwarder(d: ForwarderDeps): StoreApi {
  const last = new Map<string, string>();

  const storeOf = (name: string): Store => {
    if (name === '') throw new RpcError(status.INVALID_ARGUMENT, 'store: say which catalog store');
    const s = d.catalog.stores.get(name);
    if (!s) throw new RpcError(status.NOT_FOUND, `store '${name}' does not exist; check 'coffer ctl store list'`);
    return s;
  };

  /** The agent to ask about `store`. */
  const agentFor = (store: Store): LiveAgent => {
    const eligible = d.registry.all().filter((a) => a.ready && matchesSelector(a.labels, store.options.reach) && (!store.passphraseOnAgent || a.localStores.has(store.name)));
    const sticky = eligible.find((a) => a.agentId === last.get(store.name));
    const chosen = sticky ?? eligible.sort((a, b) => d.router.inFlight(a.channel) - d.router.inFlight(b.channel))[0];
    if (!chosen) {
      const reach = store.options.reach ? `reach=${store.options.reach}` : 'reach: any agent';
      throw new RpcError(status.UNAVAILABLE, `no connected agent can reach store ${store.name} (${reach}${store.passphraseOnAgent ? ', and holding its passphrase' : ''}); start one, or check 'coffer ctl agents'`);
    }
    last.set(store.name, chosen.agentId);
    return chosen;
  };

  async function* forward<K extends keyof Methods>(key: K, req: Req<K> & { store: string }, ctx: CallContext): AsyncGenerator<Res<K>> {
    const def = StoreServiceDefinition.methods[key];
    const store = storeOf(req.store);
    const agent = agentFor(store);
    let passphrase = '';
    if (!store.passphraseOnAgent) passphrase = d.catalog.stores.passphrase(store.name) ?? '';
    const endpoint: Endpoint = { name: store.name, location: store.location, options: store.options };
    const unary = !def.responseStream;
    const bytes = (def.requestType as unknown as { encode(m: unknown): { finish(): Uint8Array } }).encode(req).finish();
    const request = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const replies = d.router.call(agent.channel, { method: def.name, request, store: endpoint, passphrase, destination: undefined, sealedPassphrase: Buffer.alloc(0) }, { unary, signal: ctx.signal, ...(unary ? { timeoutMs: d.unaryTimeoutMs ?? DEFAULT_UNARY_TIMEOUT_MS } : {}) });
    for await (const reply of replies) yield (def.responseType as unknown as { decode(b: Uint8Array): Res<K> }).decode(reply);
  }

  async function unary<K extends keyof Methods>(key: K, req: Req<K> & { store: string }, ctx: CallContext): Promise<Res<K>> {
    let out: Res<K> | undefined;
    for await (const m of forward(key, req, ctx)) out = m;
    if (out === undefined) throw new RpcError(status.INTERNAL, `the agent sent no answer to ${StoreServiceDefinition.methods[key].name}`);
    return out;
  }

  /** The newer of the agent's and the controller's last check. */
  const newer = (a: CheckSummary | undefined, b: CheckSummary | undefined): CheckSummary | undefined => (!a ? b : !b ? a : b.timeMs > a.timeMs ? b : a);

  return {
    getStoreInfo: async (req, ctx) => {
      const info = await unary('getStoreInfo', req, ctx);
      return { ...info, lastCheck: newer(info.lastCheck, d.catalog.checks.ofStore(req.store)) };
    },
    listStoreSnapshots: async (req, ctx) => {
      const r = await unary('listStoreSnapshots', req, ctx);
      return { ...r, snapshots: r.snapshots.map((s) => ({ ...s, lastCheck: newer(s.lastCheck, d.catalog.checks.ofSnapshot(req.store, s.id, s.timeMs)) })) };
    },
    listTree: (req, ctx) => unary('listTree', req, ctx),
    readFile: (req, ctx) => forward('readFile', req, ctx),
    readArchive: (req, ctx) => forward('readArchive', req, ctx),
    locate: (req, ctx) => unary('locate', req, ctx),
    pathHistory: (req, ctx) => unary('pathHistory', req, ctx),
    diff: (req, ctx) => unary('diff', req, ctx),
    diffFile: (req, ctx) => unary('diffFile', req, ctx),
    async *check(req, ctx) {
      for await (const e of forward('check', req, ctx)) {
        if (e.event?.$case === 'result') {
          recordConsoleCheck(d.catalog, req, e.event.value, d.clock.now());
          d.log.info({ store: req.store, mode: req.mode || 'fast', ok: e.event.value.ok, by: ctx.principal?.name ?? '' }, 'console check finished');
        }
        yield e;
      }
    },
    restore: (req, ctx) => d.restore(req, ctx),
  };
}
