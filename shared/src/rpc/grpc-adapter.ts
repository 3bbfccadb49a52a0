/**
 * Serves a transport-neutral service (service.ts) on a grpc-js server, so the same
 * implementation answers gRPC clients and browsers (connect-server.ts). Unary and
 * server-streaming methods; a streamed response waits for the stream to drain (or the
 * call's end); the handler's signal aborts when the call is cancelled; a response a
 * handler left partial is completed with defaults; errors become their gRPC status
 * (toRpcError), unexpected ones INTERNAL without details.
 */
import { status as grpcStatus, type Metadata, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { RpcError, toRpcError } from './errors.js';
import type { CallContext, Principal, ServiceDefinition } from './service.js';

export interface GrpcAdapterOptions {
  /** Who calls (token metadata, client certificate); throws RpcError to refuse. */
  authenticate(call: { metadata: Metadata; getPeer(): string }, path: string): Promise<Principal | undefined>;
  onInternalError?(path: string, err: unknown): void;
}

/** Resolves when `call` drains or the call is cancelled (a cancelled call never drains). */
function drained(call: ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    signal.addEventListener('abort', done);
    if (signal.aborted) done();
  });
}

/** The grpc-js implementation of `def` by `impl` (methods keyed by camelCase name). */
export function toGrpcImplementation(def: ServiceDefinition, impl: object, opts: GrpcAdapterOptions): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(def.methods)) {
    const fn = (impl as Record<string, unknown>)[key];
    if (typeof fn !== 'function') continue;
    const handler = (fn as (req: unknown, ctx: CallContext) => unknown).bind(impl);
    const path = `/${def.fullName}/${method.name}`;
    const status = (err: unknown): { code: number; details: string } => {
      const e = toRpcError(err);
      if (!(err instanceof RpcError) && e.code === grpcStatus.INTERNAL) opts.onInternalError?.(path, err);
      return { code: e.code, details: e.message };
    };
    if (!method.responseStream) {
      out[key] = (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
        const ac = new AbortController();
        call.on('cancelled', () => ac.abort());
        opts
          .authenticate(call, path)
          .then((principal) => handler(call.request, { signal: ac.signal, ...(principal ? { principal } : {}) }) as Promise<unknown>)
          .then((r) => cb(null, method.responseType.fromPartial(r ?? {})), (err: unknown) => cb(status(err)));
      };
    } else {
      out[key] = (call: ServerWritableStream<unknown, unknown>) => {
        const ac = new AbortController();
        call.on('cancelled', () => ac.abort());
        void (async () => {
          try {
            const principal = await opts.authenticate(call, path);
            for await (const m of handler(call.request, { signal: ac.signal, ...(principal ? { principal } : {}) }) as AsyncIterable<unknown>) {
              if (ac.signal.aborted) return;
              if (!call.write(method.responseType.fromPartial(m ?? {}))) await drained(call, ac.signal);
            }
            call.end();
          } catch (err) {
            if (!ac.signal.aborted) call.emit('error', status(err));
          }
        })();
      };
    }
  }
  return out;
}
