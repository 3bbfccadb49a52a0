/**
 * The fleet console's pages (dashboard, agents, catalog, jobs, users), registered into the
 * app shell's router. Filled in by the console work; empty in the local viewer's build.
 */
import type { RouteDef } from '../router-types.js';

export const consoleRoutes: readonly RouteDef[] = [];
