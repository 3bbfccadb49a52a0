/**
 * The transport-neutral shape (shared/src/rpc/service.ts) of a generated service
 * definition: every unary method `(req, ctx) => Promise<Res>`, every server-streaming one
 * `(req, ctx) => AsyncIterable<Res>`, keyed by the generated camelCase names. The
 * ControllerService is written once in this shape and served over gRPC and Connect.
 */
import type { ControllerServiceDefinition } from '@coffer/shared/gen/coffer/v1/controller.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';

type Msg<T> = T extends { decode(input: Uint8Array): infer M } ? M : never;

interface Def {
  readonly methods: Readonly<Record<string, { readonly requestType: unknown; readonly responseType: unknown; readonly responseStream: boolean }>>;
}

/** The neutral implementation of a service definition `D`. */
export type Neutral<D extends Def> = {
  [K in keyof D['methods']]: D['methods'][K]['responseStream'] extends true
    ? (req: Msg<D['methods'][K]['requestType']>, ctx: CallContext) => AsyncIterable<Msg<D['methods'][K]['responseType']>>
    : (req: Msg<D['methods'][K]['requestType']>, ctx: CallContext) => Promise<Msg<D['methods'][K]['responseType']>>;
};

/** ControllerService as neutral handlers. */
export type ControllerApi = Neutral<typeof ControllerServiceDefinition>;

/** A unary handler from a synchronous function: its result resolved, its throw a rejection. */
export function sync<Req, Res>(fn: (req: Req, ctx: CallContext) => Res): (req: Req, ctx: CallContext) => Promise<Res> {
  return (req, ctx) => {
    try {
      return Promise.resolve(fn(req, ctx));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
}
