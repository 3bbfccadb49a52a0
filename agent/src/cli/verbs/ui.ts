/**
 * `coffer at <store> ui [--listen HOST:PORT] [--no-browser] [--tls-cert F --tls-key F]
 * [--insecure-http]`: serves the viewer for one store (shared/src/web) until SIGINT or
 * SIGTERM. The listen flags are checked first (ui-listen.ts), then the store is opened
 * once (ui-store.ts: passphrase, identity check, index), then the server listens and the
 * URL with the per-launch token is printed on a line of its own on stdout (and opened in
 * a browser unless --no-browser). On the signal it stops accepting, ends open connections,
 * closes the store and exits 0.
 */
import os from 'node:os';
import { expectArgs, flag, parseArgs, str } from '../args.js';
import { storeTarget } from '../context.js';
import { openBrowser } from '../ui-browser.js';
import { listen, listenSpec } from '../ui-listen.js';
import { openUiStore } from '../ui-store.js';
import type { Verb } from '../verb.js';

const USAGE = 'coffer at <store> ui [--listen HOST:PORT] [--no-browser] [--tls-cert FILE --tls-key FILE] [--insecure-http]';

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'local';
  }
}

export const uiVerb: Verb = {
  name: 'ui',
  usage: USAGE,
  needsStore: true,
  flags: { listen: 'string', 'no-browser': 'bool', 'tls-cert': 'string', 'tls-key': 'string', 'insecure-http': 'bool' },
  graceful: true,
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'ui');
    expectArgs(p, 0, 0, USAGE);
    const spec = listenSpec({ listen: str(p, 'listen'), tlsCert: str(p, 'tls-cert'), tlsKey: str(p, 'tls-key'), insecureHttp: flag(p, 'insecure-http') });
    const target = storeTarget(ctx);
    // The web app's modules are loaded here, not with the CLI (every other verb would pay for them).
    const [{ StoreServiceDefinition }, { createLocalAuth }, { createWebApp }] = await Promise.all([
      import('@coffer/shared/gen/coffer/v1/store.js'),
      import('@coffer/shared/web/auth.js'),
      import('@coffer/shared/web/app.js'),
    ]);
    const store = await openUiStore(ctx);
    try {
      if (ctx.signal.aborted) return 0;
      const auth = createLocalAuth({ store: target.display, user: userName(), secure: spec.tls !== undefined });
      const app = createWebApp({
        home: 'local',
        auth,
        storeApi: (name) => (name === '' || name === 'local' ? store.api : undefined),
        services: [{ def: StoreServiceDefinition, impl: store.api }],
        log: { error: (m) => ctx.warn(`coffer ui: ${m}`) },
      });
      const server = await listen(spec, app);
      try {
        const url = `${server.origin}/?token=${auth.token}`;
        ctx.warn(`serving ${target.display} at ${server.origin}; open the URL below (it carries this launch's token); Ctrl-C stops`);
        ctx.out(url);
        if (!flag(p, 'no-browser')) openBrowser(url, ctx.env);
        await new Promise<void>((resolve) => {
          if (ctx.signal.aborted) resolve();
          else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        await server.close();
      }
    } finally {
      await store.close();
    }
    return 0;
  },
};
