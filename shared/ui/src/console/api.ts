/**
 * The console's calls to ControllerService over Connect (JSON codec), typed by the
 * generated definitions: `ctl('getDashboard', {})` encodes the request with the method's
 * requestType.toJSON and decodes the answer with responseType.fromJSON, so pages work on
 * the same message types as the server. `watch('watchJob', …)` yields each message of a
 * server stream until it ends or `signal` aborts. Failures are `ApiError` (Connect code,
 * one-line message); a 401 also tells the shell (`onUnauthenticated`), which goes to /login.
 */
import { ControllerServiceDefinition } from '../../../src/gen/coffer/v1/controller.js';
import { connectStream, connectUnary } from './connect.js';

type Methods = typeof ControllerServiceDefinition.methods;
type Req<M extends keyof Methods> = Parameters<Methods[M]['requestType']['fromPartial']>[0];
type Res<M extends keyof Methods> = ReturnType<Methods[M]['responseType']['fromJSON']>;

/** A unary ControllerService call; `req` is a partial message (defaults filled in). */
export async function ctl<M extends keyof Methods>(method: M, req: Req<M>, signal?: AbortSignal): Promise<Res<M>> {
  const m = ControllerServiceDefinition.methods[method];
  const body = (m.requestType.toJSON as (x: unknown) => unknown)((m.requestType.fromPartial as (x: unknown) => unknown)(req));
  const json = await connectUnary(`/${ControllerServiceDefinition.fullName}/${m.name}`, body, signal);
  return (m.responseType.fromJSON as (x: unknown) => Res<M>)(json);
}

/** A server-streaming ControllerService call, message by message. */
export async function* watch<M extends keyof Methods>(method: M, req: Req<M>, signal: AbortSignal): AsyncGenerator<Res<M>> {
  const m = ControllerServiceDefinition.methods[method];
  const body = (m.requestType.toJSON as (x: unknown) => unknown)((m.requestType.fromPartial as (x: unknown) => unknown)(req));
  for await (const json of connectStream(`/${ControllerServiceDefinition.fullName}/${m.name}`, body, signal)) {
    yield (m.responseType.fromJSON as (x: unknown) => Res<M>)(json);
  }
}
