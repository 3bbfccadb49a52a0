/**
 * The single-page app's files, as `npm run build` leaves them in shared/dist-ui
 * (index.html and assets/*): `/assets/<name>` and the page shell (index.html) for page
 * paths. Guarantees:
 *  - only plain files directly in `assets/` with a known extension are served; a name
 *    with a slash, backslash, leading dot or NUL, or anything else, is 404: nothing outside
 *    `assets/` can be reached;
 *  - content-hashed names (`app-3FZ2K7QX.js`, as esbuild names them) are cached for a year
 *    (`immutable`), other files and the shell revalidate (`no-cache`);
 *  - the shell carries the page CSP and nosniff; when the app was not built, page paths
 *    answer 503 with a page saying to run `npm run build`.
 * HEAD is answered like GET without a body.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendError, sendHtmlStatus } from './respond.js';
import { pageHeaders, WebError } from './security.js';

/** shared/dist-ui, beside this package's dist (this file is shared/dist/web/assets.js once built). */
export function assetsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist-ui');
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const HASHED = /-[A-Z0-9]{8,}\.[a-z0-9]+$/;

export interface Assets {
  /** Answers `GET /assets/<name>`; `name` is the decoded rest of the path. */
  serveAsset(req: IncomingMessage, res: ServerResponse, name: string): Promise<void>;
  /** Answers a page path with the shell (index.html). */
  servePage(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Serves the built app in `dir` (default: assetsDir()). */
export function createAssets(dir: string = assetsDir()): Assets {
  let shell: Buffer | undefined;
  return {
    async serveAsset(req, res, name) {
      const type = TYPES[path.extname(name)];
      const file = path.join(dir, 'assets', name);
      const st = SAFE_NAME.test(name) && type ? await stat(file).catch(() => undefined) : undefined;
      if (!st?.isFile()) {
        sendError(req, res, new WebError(404, 'not_found', `no asset '${name}'; the page may be older than the server: reload it`));
        return;
      }
      const cache = HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache';
      res.writeHead(200, { 'Content-Type': type as string, 'Content-Length': String(st.size), 'Cache-Control': cache, 'X-Content-Type-Options': 'nosniff' });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      await new Promise<void>((resolve) => {
        const s = createReadStream(file);
        s.on('error', () => {
          res.destroy();
          resolve();
        });
        res.on('close', () => {
          s.destroy();
          resolve();
        });
        s.pipe(res);
      });
    },
    async servePage(req, res) {
      shell ??= await readFile(path.join(dir, 'index.html')).catch(() => undefined);
      if (!shell) {
        sendHtmlStatus(req, res, 503, 'The viewer is not built', "The web app's files are missing (shared/dist-ui/index.html); run 'npm run build' in the Coffer checkout, then reload this page.");
        return;
      }
      res.writeHead(200, { ...pageHeaders(), 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(shell.length), 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : shell);
    },
  };
}
