/**
 * Transport-neutral service implementations. A service is written once as plain async
 * functions over the generated proto message types (shared/src/gen) and served, unchanged,
 * over gRPC (grpc-adapter.ts), over the Connect protocol with the JSON codec for browsers
 * (connect-server.ts), and over the agent channel (agent.proto StoreCall/StoreReply).
 *
 * Guarantees every transport gives a handler:
 *  - `ctx.signal` aborts when the caller goes away (stream cancelled, connection closed,
 *    StoreCallCancel); handlers stop work and release what they hold.
 *  - `ctx.principal` is the authenticated caller where the transport knows one (console
 *    session, admin token, client certificate); role checks happen before the handler runs.
 * Handlers report failures by throwing `RpcError` (a gRPC status code and a one-line
 * message) or a CofferError (mapped by `toRpcError`); anything else becomes INTERNAL with a
 * generic message and is logged, never sent with a stack.
 */

/** The caller, as the transport authenticated it. */
export interface Principal {
  readonly name: string;
  /** 'admin' | 'operator' | 'viewer'. Tokens and client certificates are admins. */
  readonly role: Role;
}

export type Role = 'admin' | 'operator' | 'viewer';

export interface CallContext {
  readonly signal: AbortSignal;
  readonly principal?: Principal;
}

export type UnaryHandler<Req, Res> = (req: Req, ctx: CallContext) => Promise<Res>;
export type StreamHandler<Req, Res> = (req: Req, ctx: CallContext) => AsyncIterable<Res>;

/**
 * The shape ts-proto's generic definitions (outputServices=generic-definitions) have.
 * Declared with method syntax, so a definition of any message type is assignable to
 * `MessageType<unknown>`.
 */
export interface MessageType<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
  /** A complete message from a partial one (absent fields at their defaults). */
  fromPartial(object: unknown): T;
}

export interface MethodDefinition {
  readonly name: string;
  readonly requestType: MessageType<unknown>;
  readonly responseType: MessageType<unknown>;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

export interface ServiceDefinition {
  readonly name: string;
  readonly fullName: string;
  readonly methods: Readonly<Record<string, MethodDefinition>>;
}
