/**
 * The console's calls to ControllerService, typed by `wire.ts`: `ctl('GetDashboard', {})`
 * sends proto3 JSON through the shell's Connect client and resolves with the JSON answer;
 * `watch('WatchJob', {id}, signal)` yields each streamed message. The shell's client
 * (`AppServices`, handed to every page) is bound once by the console's page wrapper
 * (routes.ts) before any page renders. Failures are the shell's ApiError {code, message};
 * a 401 sends the browser to /login (the shell does that).
 */
import type { AppServices } from '../router-types.js';
import type { Calls, Streams } from './wire.js';

const SERVICE = 'coffer.v1.ControllerService';
let app: AppServices | undefined;

/** Called by the console's page wrapper with the shell's services. */
export function bindApp(services: AppServices): void {
  app = services;
}

function services(): AppServices {
  if (!app) throw new Error('the console pages were rendered outside the console shell');
  return app;
}

/** A unary ControllerService call. */
export function ctl<M extends keyof Calls>(method: M, req: Calls[M][0], signal?: AbortSignal): Promise<Calls[M][1]> {
  return services().call<Calls[M][1]>(SERVICE, method, req, signal);
}

/** A server-streaming ControllerService call. */
export function watch<M extends keyof Streams>(method: M, req: Streams[M][0], signal: AbortSignal): AsyncIterable<Streams[M][1]> {
  return services().stream<Streams[M][1]>(SERVICE, method, req, signal);
}

/** Client-side navigation (keeps the page's state in the URL). */
export function navigate(to: string, opts?: { replace?: boolean }): void {
  services().navigate(to, opts);
}
