/**
 * The controller's --http port as a process part: HTTPS for the console with the
 * controller's own certificate (DATA/server.pem, the hosts of --listen and --host), or
 * the certificate and key given with --http-cert/--http-key (a public certificate for
 * browsers), plus plain HTTP for /metrics and /healthz (web/port.ts).
 */
import fs from 'node:fs';
import { createSecureContext } from 'node:tls';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { observabilityRoutes } from '../observability/http.js';
import type { Logger } from '../observability/log.js';
import type { ControllerMetrics } from '../observability/metrics.js';
import { createConsoleAuth } from '../web/console-auth.js';
import { createConsoleServer } from '../web/console-server.js';
import { LoginThrottle } from '../web/login-throttle.js';
import { startWebPort, type WebPort } from '../web/port.js';
import type { SessionStore } from '../web/sessions.js';
import type { ControllerPki } from './pki-files.js';
import type { Services } from './services.js';
import type { Clock } from '@coffer/shared/clock.js';

export interface ConsolePortOptions {
  readonly host: string;
  readonly port: number;
  /** PEM files of --http-cert/--http-key; both or neither. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Where the built SPA is (tests); default shared's assetsDir(). */
  readonly assetsDir?: string;
  /** The controller's agent address (HOST:PORT), for the console's enroll lines. */
  readonly agentAddress?: string;
}

function readPem(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `cannot read ${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The certificate and key of the HTTPS side. */
export function consoleTls(o: ConsolePortOptions, pki: ControllerPki): { certPem: string; keyPem: string } {
  if ((o.certFile === undefined) !== (o.keyFile === undefined)) throw new CofferError(ErrorCode.Usage, 'give --http-cert and --http-key together (the certificate chain and its key, PEM)');
  if (o.certFile === undefined || o.keyFile === undefined) return { certPem: pki.serverCertPem, keyPem: pki.serverKeyPem };
  const certPem = readPem(o.certFile, '--http-cert');
  const keyPem = readPem(o.keyFile, '--http-key');
  try {
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `--http-cert ${o.certFile} and --http-key ${o.keyFile} are not a PEM certificate chain and its private key (${(err as Error).message})`);
  }
  return { certPem, keyPem };
}

export interface ConsolePortDeps {
  readonly catalog: Catalog;
  readonly dispatcher: Dispatcher;
  readonly metrics: ControllerMetrics;
  readonly services: Services;
  readonly sessions: SessionStore;
  readonly pki: ControllerPki;
  readonly clock: Clock;
  readonly log: Logger;
}

export function startConsolePort(o: ConsolePortOptions, d: ConsolePortDeps): Promise<WebPort> {
  const tls = consoleTls(o, d.pki);
  const observability = observabilityRoutes(d.metrics, d.catalog, d.dispatcher);
  const auth = createConsoleAuth({ catalog: d.catalog, sessions: d.sessions, throttle: new LoginThrottle(d.clock), log: d.log, clock: d.clock, ...(o.agentAddress !== undefined ? { agentAddress: o.agentAddress } : {}) });
  const secure = createConsoleServer({ catalog: d.catalog, auth, controllerApi: d.services.controllerApi, storeApi: d.services.storeApi, observability, log: d.log, ...(o.assetsDir !== undefined ? { assetsDir: o.assetsDir } : {}) });
  return startWebPort({ host: o.host, port: o.port, ...tls, plain: observability, secure });
}
