/**
 * The fleet console on the controller's --http port (HTTPS, web/port.ts): the shared web
 * app (shared/src/web/app.ts, home "console") with the console's sign-in
 * (console-auth.ts), ControllerService and StoreService as Connect services, and
 * downloads and previews through the store forwarder (the controller never opens a
 * store). Every Connect call and content route passes the role table (api/roles.ts)
 * before it runs; /metrics and /healthz answer first, as on plain HTTP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ControllerServiceDefinition } from '@coffer/shared/gen/coffer/v1/controller.js';
import { StoreServiceDefinition } from '@coffer/shared/gen/coffer/v1/store.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import type { WebAuth } from '@coffer/shared/web/auth.js';
import { createWebApp } from '@coffer/shared/web/app.js';
import type { ControllerApi } from '../api/neutral.js';
import { authorizePath } from '../api/roles.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Logger } from '../observability/log.js';

export interface ConsoleServerDeps {
  readonly catalog: Catalog;
  readonly auth: WebAuth;
  /** Both with their role checks in front (roles.ts withRoles). */
  readonly controllerApi: ControllerApi;
  readonly storeApi: StoreApi;
  /** /metrics and /healthz: answers and returns true, or returns false. */
  readonly observability: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly log: Logger;
  /** The built SPA (default: shared's assetsDir()). */
  readonly assetsDir?: string;
}

/** The request listener of the console's HTTPS side. */
export function createConsoleServer(d: ConsoleServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const app = createWebApp({
    home: 'console',
    auth: d.auth,
    services: [
      { def: ControllerServiceDefinition, impl: d.controllerApi },
      { def: StoreServiceDefinition, impl: d.storeApi },
    ],
    storeApi: (store) => (store !== '' && d.catalog.stores.get(store) ? d.storeApi : undefined),
    authorize: (path, principal) => authorizePath(path, principal),
    log: { error: (message) => d.log.error(message) },
    ...(d.assetsDir !== undefined ? { assetsDir: d.assetsDir } : {}),
  });
  return (req, res) => {
    if (!d.observability(req, res)) app(req, res);
  };
}
