/**
 * The API client behind `coffer ctl`: a ControllerServiceClient over TLS that trusts
 * only the controller's CA, authenticated by the admin token (sent as metadata, never
 * logged) or a client certificate. Calls are promises with a deadline; gRPC failures
 * become one-line CofferErrors with the controller's message.
 */
import fs from 'node:fs';
import { Metadata, type CallOptions, type ServiceError } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { controllerCallError } from '@coffer/shared/grpc-errors.js';
import { ControllerServiceClient } from '@coffer/shared/gen/coffer/v1/controller.js';
import { StoreServiceClient } from '@coffer/shared/gen/coffer/v1/store.js';
import { channelCredentials } from '@coffer/shared/pki/channel-credentials.js';

/** Where and how to reach the controller. */
export interface ClientConfig {
  /** host:port. */
  readonly controller: string;
  readonly caPem: string;
  readonly token?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
}

function readFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CofferError(ErrorCode.Usage, `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Resolves the client config from flags, then COFFER_CONTROLLER, COFFER_TOKEN, COFFER_CA, COFFER_CERT/COFFER_KEY. */
export function clientConfig(flags: { controller?: string; token?: string; tokenFile?: string; ca?: string; cert?: string; key?: string }, env: NodeJS.ProcessEnv): ClientConfig {
  const controller = flags.controller ?? env.COFFER_CONTROLLER;
  if (!controller) throw new CofferError(ErrorCode.Usage, 'no controller: give --controller HOST:PORT or set COFFER_CONTROLLER');
  const ca = flags.ca ?? env.COFFER_CA;
  if (!ca) throw new CofferError(ErrorCode.Usage, "no CA: give --ca PATH or set COFFER_CA to the controller's DATA/ca.pem");
  const tokenFile = flags.tokenFile ?? env.COFFER_TOKEN_FILE;
  const token = flags.token ?? env.COFFER_TOKEN ?? (tokenFile ? readFile(tokenFile, 'the token file').trim() : undefined);
  const cert = flags.cert ?? env.COFFER_CERT;
  const key = flags.key ?? env.COFFER_KEY;
  if (!token && !(cert && key)) throw new CofferError(ErrorCode.Usage, "no credentials: set COFFER_TOKEN (the controller's DATA/admin.token) or give --cert and --key");
  return {
    controller,
    caPem: readFile(ca, 'the CA certificate'),
    ...(token ? { token } : {}),
    ...(cert && key ? { certPem: readFile(cert, 'the client certificate'), keyPem: readFile(key, 'the client key') } : {}),
  };
}

/** One line for a failed call (shared with the agent). */
export const callError = controllerCallError;

type Unary<Req, Res> = (req: Req, md: Metadata, opts: Partial<CallOptions>, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/** A connected API client. */
export class Ctl {
  readonly raw: ControllerServiceClient;
  readonly metadata = new Metadata();

  constructor(readonly config: ClientConfig) {
    this.raw = new ControllerServiceClient(config.controller, channelCredentials(config.caPem, config.certPem, config.keyPem), {
      'grpc.keepalive_time_ms': 30_000,
    });
    if (config.token) this.metadata.set('authorization', `Bearer ${config.token}`);
  }

  private storeClient: StoreServiceClient | undefined;

  /** The StoreService on the same connection settings (calls forwarded to agents), made on first use. */
  get store(): StoreServiceClient {
    this.storeClient ??= new StoreServiceClient(this.config.controller, channelCredentials(this.config.caPem, this.config.certPem, this.config.keyPem));
    return this.storeClient;
  }

  /** Calls a unary method with a 30 s deadline (on the StoreService client when `on` is it). */
  call<Req, Res>(method: Unary<Req, Res>, req: Req, on: ControllerServiceClient | StoreServiceClient = this.raw, timeoutMs = 30_000): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(on, req, this.metadata, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(callError(err, this.config.controller));
        else resolve(res);
      });
    });
  }

  close(): void {
    this.raw.close();
    this.storeClient?.close();
  }
}
