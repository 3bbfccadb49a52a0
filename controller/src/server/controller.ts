/**
 * The controller process: opens the catalog and the PKI in its data folder, starts the
 * gRPC server (AgentService for agents, ControllerService and StoreService for the API,
 * one TLS port where client certificates are requested but not required), the
 * dispatcher, the scheduler, and the --http port (the console over HTTPS, metrics and
 * health also in plain HTTP). `stop()` closes it all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Server, status } from '@grpc/grpc-js';
import { systemClock, type Clock } from '@coffer/shared/clock.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { splitHostPort } from '@coffer/shared/host-port.js';
import { AgentServiceService } from '@coffer/shared/gen/coffer/v1/agent.js';
import { ControllerServiceDefinition, ControllerServiceService } from '@coffer/shared/gen/coffer/v1/controller.js';
import { StoreServiceDefinition, StoreServiceService } from '@coffer/shared/gen/coffer/v1/store.js';
import { toGrpcImplementation, type GrpcAdapterOptions } from '@coffer/shared/rpc/grpc-adapter.js';
import { serverCredentials, type CallWithAuth } from '@coffer/shared/pki/index.js';
import { ApiError } from '../api/api-error.js';
import { Authenticator } from '../api/auth.js';
import type { ScheduleHooks } from '../api/controller-service.js';
import { Catalog } from '../catalog/catalog.js';
import { DEFAULT_HTTP, DEFAULT_LISTEN } from '../defaults.js';
import { Dispatcher, type DispatcherOptions } from '../dispatch/dispatcher.js';
import { agentService } from '../dispatch/transports/grpc/grpc-transport.js';
import { natsConnectOptions, type NatsOptions } from '../dispatch/transports/nats/nats-connect.js';
import { NatsTransport } from '../dispatch/transports/nats/nats-transport.js';
import { controllerNkey } from '../dispatch/transports/nats/controller-nkey.js';
import { createLogger, type Logger } from '../observability/log.js';
import { ControllerMetrics } from '../observability/metrics.js';
import { DEFAULT_SESSION_IDLE_MS, SessionStore } from '../web/sessions.js';
import type { WebPort } from '../web/port.js';
import { startConsolePort } from './console-port.js';
import { loadPki } from './pki-files.js';
import { buildServices } from './services.js';
import { startSchedules } from './schedules.js';

/** Options of `coffer controller start`. */
export interface ControllerOptions {
  readonly dataDir: string;
  /** host:port for gRPC. @default 127.0.0.1:7443 */
  readonly listen?: string;
  /** host:port for HTTP (metrics, health); '' to disable. @default 127.0.0.1:7480 */
  readonly http?: string;
  /** Extra names or addresses for the server certificate. */
  readonly hosts?: readonly string[];
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly dispatcher?: DispatcherOptions;
  /** PEM files of the console's certificate chain and key (both or neither); default: the controller's own. */
  readonly httpCert?: string;
  readonly httpKey?: string;
  /** A console session ends after this long without a request. @default 30 minutes */
  readonly sessionIdleMs?: number;
  /** Where the built SPA is; default shared's assetsDir(). */
  readonly assetsDir?: string;
  /** Also serve agents over NATS JetStream (beside gRPC). */
  readonly nats?: NatsOptions;
  /** AckWait of the NATS agents' job consumers (tests shorten it). */
  readonly natsJobAckWaitMs?: number;
  /** Sites served by a leaf node with its own JetStream domain: site -> domain. */
  readonly natsLeafDomains?: Readonly<Record<string, string>>;
}

/** A running controller. */
export interface RunningController {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly catalog: Catalog;
  readonly dispatcher: Dispatcher;
  stop(): Promise<void>;
}

/**
 * Dispatcher tunables from the environment, for tests and tuning: COFFER_AGENT_LOST_MS
 * (how long a disconnected agent's jobs wait for it, default 120000) and
 * COFFER_RETRY_BASE_MS (first retry delay, default 30000). Each must be a whole number
 * of milliseconds; anything else is a Config error naming the variable.
 */
export function dispatcherOptionsFromEnv(env: NodeJS.ProcessEnv): DispatcherOptions {
  const ms = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d{1,10}$/.test(v)) throw new CofferError(ErrorCode.Config, `${name}='${v}' is not a whole number of milliseconds`);
    return Number(v);
  };
  const agentLostMs = ms('COFFER_AGENT_LOST_MS');
  const retryBaseMs = ms('COFFER_RETRY_BASE_MS');
  return { ...(agentLostMs !== undefined ? { agentLostMs } : {}), ...(retryBaseMs !== undefined ? { retryBaseMs } : {}) };
}

/** How long finished jobs stay in the catalog: COFFER_JOB_RETENTION_DAYS, default 90. */
export function retentionDaysFromEnv(env: NodeJS.ProcessEnv): number {
  const v = env.COFFER_JOB_RETENTION_DAYS;
  if (v === undefined || v === '') return 90;
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1) throw new CofferError(ErrorCode.Config, `COFFER_JOB_RETENTION_DAYS='${v}' is not a whole number of days (1 or more)`);
  return Number(v);
}

/** Deletes old finished jobs and expired tokens now and every 6 hours; returns stop(). */
function startPruning(catalog: Catalog, clock: Clock, log: Logger, days: number): () => void {
  let cancel: (() => void) | undefined;
  const run = (): void => {
    const now = clock.now();
    const jobs = catalog.jobs.pruneFinished(now - days * 86_400_000);
    const tokens = catalog.tokens.pruneExpired(now - 86_400_000);
    if (jobs + tokens > 0) log.info({ jobs, tokens, retentionDays: days }, 'old jobs and expired tokens removed from the catalog');
    cancel = clock.setTimer(run, 6 * 3_600_000);
  };
  run();
  return () => cancel?.();
}

/** How the gRPC port authenticates API calls: the admin token or a client certificate. */
function grpcAuth(auth: Authenticator, log: Logger): GrpcAdapterOptions {
  return {
    authenticate: (call) => {
      if (!('getAuthContext' in call)) return Promise.reject(new ApiError(status.INTERNAL, 'the call has no TLS context'));
      return auth.requireClient(call as typeof call & CallWithAuth);
    },
    onInternalError: (path, err) => log.error({ err, rpc: path }, 'API call failed'),
  };
}

/** Starts a controller. */
export async function startController(opts: ControllerOptions): Promise<RunningController> {
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? createLogger();
  const listen = splitHostPort(opts.listen ?? DEFAULT_LISTEN, '--listen');
  const httpAddr = opts.http === '' ? undefined : splitHostPort(opts.http ?? DEFAULT_HTTP, '--http');
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const pki = await loadPki(opts.dataDir, listen.host, opts.hosts);
  const catalog = Catalog.open(opts.dataDir);
  const auth = new Authenticator(pki.adminToken, pki.ca.certPem, catalog, clock);
  const dispatcher = new Dispatcher(catalog, clock, log, opts.dispatcher);
  const metrics = new ControllerMetrics(catalog, dispatcher, clock);
  const schedules: ScheduleHooks & { stop(): void } = startSchedules(catalog, dispatcher, clock, log);

  const server = new Server({
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
  });
  const sessions = new SessionStore(clock, opts.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS);
  const services = buildServices({ catalog, dispatcher, clock, log, schedules, caPin: pki.caPin, users: { ended: (name) => sessions.endUser(name) } });
  const natsBase = opts.nats && opts.nats.credsFile === undefined && opts.nats.tlsCert === undefined ? { ...opts.nats, credsFile: controllerNkey(opts.dataDir).file } : opts.nats;
  // A tls:// server is trusted when its certificate is from this controller's CA (nats-config --tls), unless --nats-ca says otherwise.
  const natsOpts = natsBase && natsBase.url.startsWith('tls://') && natsBase.tlsCa === undefined ? { ...natsBase, tlsCa: path.join(opts.dataDir, 'ca.pem') } : natsBase;
  if (natsOpts) natsConnectOptions(natsOpts, 'check'); // bad NATS options fail the start, before anything listens
  server.addService(AgentServiceService, agentService({ catalog, ca: pki.ca, auth, events: services.agentEvents, clock, log, natsUrl: opts.nats?.url ?? '' }));
  server.addService(ControllerServiceService, toGrpcImplementation(ControllerServiceDefinition, services.controllerApi, grpcAuth(auth, log)));
  server.addService(StoreServiceService, toGrpcImplementation(StoreServiceDefinition, services.storeApi, grpcAuth(auth, log)));
  const creds = serverCredentials({ caPem: pki.ca.certPem, certPem: pki.serverCertPem, keyPem: pki.serverKeyPem });
  const grpcPort = await new Promise<number>((resolve, reject) => {
    const addr = listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
    server.bindAsync(addr, creds, (err, port) => {
      if (err) reject(new CofferError(ErrorCode.Config, `cannot listen on ${addr}: ${err.message}; choose another --listen address`, { cause: err }));
      else resolve(port);
    });
  });
  let web: WebPort | undefined;
  try {
    const deps = { catalog, dispatcher, metrics, services, sessions, pki, clock, log };
    const tls = { ...(opts.httpCert !== undefined ? { certFile: opts.httpCert } : {}), ...(opts.httpKey !== undefined ? { keyFile: opts.httpKey } : {}), ...(opts.assetsDir !== undefined ? { assetsDir: opts.assetsDir } : {}) };
    const agentAddress = listen.host.includes(':') ? `[${listen.host}]:${grpcPort}` : `${listen.host}:${grpcPort}`;
    web = httpAddr ? await startConsolePort({ host: httpAddr.host, port: httpAddr.port, agentAddress, ...tls }, deps) : undefined;
  } catch (err) {
    server.forceShutdown();
    if (err instanceof CofferError) throw err;
    throw new CofferError(ErrorCode.Config, `cannot listen on ${opts.http ?? DEFAULT_HTTP} for HTTP: ${(err as Error).message}; choose another --http address`, { cause: err });
  }
  const httpPort = web?.port ?? 0;
  log.info({ grpc: `${listen.host}:${grpcPort}`, http: httpAddr ? `${httpAddr.host}:${httpPort}` : 'off', data: opts.dataDir }, 'controller started');
  dispatcher.resume();
  // The NATS transport waits for its server in the background: gRPC agents are served meanwhile.
  const nats = natsOpts
    ? NatsTransport.start({ catalog, events: services.agentEvents, log, nats: natsOpts, ...(opts.natsJobAckWaitMs !== undefined ? { jobAckWaitMs: opts.natsJobAckWaitMs } : {}), ...(opts.natsLeafDomains ? { leafDomains: opts.natsLeafDomains } : {}), sites: dispatcher.sites, ...(process.env.COFFER_NATS_SITE_PROBE_MS ? { siteProbeMs: Number(process.env.COFFER_NATS_SITE_PROBE_MS) } : {}) }).catch((err: unknown) => {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'the NATS transport failed to start; agents on NATS are not served');
        return undefined;
      })
    : Promise.resolve(undefined);
  const stopPruning = startPruning(catalog, clock, log, retentionDaysFromEnv(process.env));
  return {
    grpcPort,
    httpPort,
    catalog,
    dispatcher,
    async stop() {
      stopPruning();
      schedules.stop();
      await Promise.race([nats.then((t) => t?.stop()), new Promise((r) => setTimeout(r, 3000).unref())]);
      dispatcher.stop();
      await new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 3000).unref();
      });
      await web?.close();
      catalog.close();
      log.info('controller stopped');
    },
  };
}
