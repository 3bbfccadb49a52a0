/**
 * The controller's observability routes: GET /metrics (Prometheus text), GET /healthz
 * (JSON: ok, version, agents connected, catalog reachable). No secrets. They answer on
 * the --http port both in plain HTTP (for scrapers) and over TLS (web/port.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VERSION } from '@coffer/shared/version.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { ControllerMetrics } from './metrics.js';

/** The paths `observabilityRoutes` answers. */
export const OBSERVABILITY_PATHS: ReadonlySet<string> = new Set(['/metrics', '/healthz']);

/** Answers /metrics and /healthz (GET and HEAD) and returns true; returns false, having sent nothing, for other paths. */
export function observabilityRoutes(metrics: ControllerMetrics, catalog: Catalog, dispatcher: Dispatcher): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = (req.url ?? '/').split('?')[0] ?? '/';
    if (!OBSERVABILITY_PATHS.has(url)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end(`${url} answers GET only\n`);
      return true;
    }
    if (url === '/metrics') {
      metrics.exposition().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
      );
      return true;
    }
    let ok = true;
    try {
      catalog.db.prepare('SELECT 1').get();
    } catch {
      ok = false;
    }
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, version: VERSION, agentsConnected: dispatcher.registry.size }) + '\n');
    return true;
  };
}
