/**
 * The controller's HTTP endpoint: GET /metrics (Prometheus text), GET /healthz (JSON:
 * ok, version, agents connected, catalog reachable). Nothing else; no secrets.
 */
import http from 'node:http';
import { VERSION } from '@coffer/shared/version.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { ControllerMetrics } from './metrics.js';

/** Starts the HTTP server on host:port; resolves once it listens. */
export function startHttp(host: string, port: number, metrics: ControllerMetrics, catalog: Catalog, dispatcher: Dispatcher): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
      return;
    }
    if (url === '/healthz') {
      let ok = true;
      try {
        catalog.db.prepare('SELECT 1').get();
      } catch {
        ok = false;
      }
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, version: VERSION, agentsConnected: dispatcher.registry.size }) + '\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
