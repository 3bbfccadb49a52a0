/**
 * Who may call what: one table per service giving each method the least role that may
 * call it (admin > operator > viewer), checked before the handler runs on every
 * transport (gRPC, the console's Connect routes, its download routes). The tables are
 * typed by the generated service definitions, so a method added to the proto does not
 * build until it has a role here.
 *  - viewer: reading the fleet and the stores (no file contents, no downloads, no check,
 *    no restore, no changes);
 *  - operator: also running, cancelling and re-running jobs, restores, checks, reading
 *    file contents (ReadFile, ReadArchive: downloads and previews);
 *  - admin: everything (catalog changes, agents, enrollment, users). The admin token and
 *    client certificates are admins.
 */
import { status } from '@grpc/grpc-js';
import { ControllerServiceDefinition, Role as RoleEnum } from '@coffer/shared/gen/coffer/v1/controller.js';
import { StoreServiceDefinition } from '@coffer/shared/gen/coffer/v1/store.js';
import type { Principal, Role } from '@coffer/shared/rpc/service.js';
import { ApiError } from './api-error.js';

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export const CONTROLLER_ROLES: Record<keyof typeof ControllerServiceDefinition.methods, Role> = {
  createEnrollmentToken: 'admin',
  listAgents: 'viewer',
  revokeAgent: 'admin',
  addStore: 'admin',
  listStores: 'viewer',
  removeStore: 'admin',
  addSource: 'admin',
  listSources: 'viewer',
  removeSource: 'admin',
  addDestination: 'admin',
  listDestinations: 'viewer',
  removeDestination: 'admin',
  addSchedule: 'admin',
  listSchedules: 'viewer',
  removeSchedule: 'admin',
  setSchedulePaused: 'admin',
  runJob: 'operator',
  getJob: 'viewer',
  listJobs: 'viewer',
  watchJob: 'viewer',
  getJobLogs: 'viewer',
  cancelJob: 'operator',
  listSnapshots: 'viewer',
  updateStore: 'admin',
  updateSource: 'admin',
  updateDestination: 'admin',
  updateSchedule: 'admin',
  previewSchedule: 'viewer',
  rerunJob: 'operator',
  getDashboard: 'viewer',
  addUser: 'admin',
  listUsers: 'admin',
  removeUser: 'admin',
  setUserPassword: 'admin',
  whoAmI: 'viewer',
};

export const STORE_ROLES: Record<keyof typeof StoreServiceDefinition.methods, Role> = {
  getStoreInfo: 'viewer',
  listStoreSnapshots: 'viewer',
  listTree: 'viewer',
  readFile: 'operator',
  readArchive: 'operator',
  locate: 'viewer',
  pathHistory: 'viewer',
  diff: 'viewer',
  diffFile: 'viewer',
  check: 'operator',
  restore: 'operator',
};

/** The console's GET routes of file contents (shared/src/web/downloads.ts): ReadFile and ReadArchive underneath. */
export const CONTENT_ROUTE_ROLES: Readonly<Record<string, Role>> = {
  '/download/file': 'operator',
  '/download/archive': 'operator',
  '/preview/file': 'operator',
};

/** Least role of every method, by path ("/coffer.v1.StoreService/ReadFile"). */
const BY_PATH = new Map<string, Role>();
function addPaths(def: { readonly fullName: string; readonly methods: Readonly<Record<string, { readonly name: string }>> }, table: Readonly<Record<string, Role>>): void {
  for (const [key, m] of Object.entries(def.methods)) BY_PATH.set(`/${def.fullName}/${m.name}`, table[key] ?? 'admin');
}
addPaths(ControllerServiceDefinition, CONTROLLER_ROLES);
addPaths(StoreServiceDefinition, STORE_ROLES);
for (const [path, role] of Object.entries(CONTENT_ROUTE_ROLES)) BY_PATH.set(path, role);

/** Whether `role` is at least `least`. */
export function atLeast(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}

/** Throws UNAUTHENTICATED without a caller, PERMISSION_DENIED when its role is below `least`. */
export function requireRole(principal: Principal | undefined, least: Role, what: string): void {
  if (!principal) throw new ApiError(status.UNAUTHENTICATED, 'log in first');
  if (!atLeast(principal.role, least)) throw new ApiError(status.PERMISSION_DENIED, `${what} needs the ${least} role; ${principal.name} is ${principal.role === 'admin' ? 'an' : 'a'} ${principal.role}`);
}

/** The role check of the method (or content route) at `path`; unknown paths need admin. */
export function authorizePath(path: string, principal: Principal | undefined): void {
  const least = BY_PATH.get(path) ?? 'admin';
  requireRole(principal, least, path.slice(path.lastIndexOf('/') + 1));
}

/** The neutral implementation `impl` of `def` with the role check of `table` in front of every method. */
export function withRoles<T extends object>(def: { readonly methods: Readonly<Record<string, { readonly name: string }>> }, table: Readonly<Record<string, Role>>, impl: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, m] of Object.entries(def.methods)) {
    const fn = (impl as Record<string, unknown>)[key];
    if (typeof fn !== 'function') continue;
    const least = table[key] ?? 'admin';
    const call = fn as (req: unknown, ctx: { principal?: Principal }) => unknown;
    const streaming = (m as { responseStream?: boolean }).responseStream === true;
    out[key] = streaming
      ? async function* (req: unknown, ctx: { principal?: Principal }) {
          requireRole(ctx.principal, least, m.name);
          yield* call.call(impl, req, ctx) as AsyncIterable<unknown>;
        }
      : (req: unknown, ctx: { principal?: Principal }) => {
          try {
            requireRole(ctx.principal, least, m.name);
          } catch (err) {
            return Promise.reject(err instanceof Error ? err : new Error(String(err)));
          }
          return call.call(impl, req, ctx);
        };
  }
  return out as T;
}

/** The proto enum of a role. */
export function roleEnum(r: Role): RoleEnum {
  return r === 'admin' ? RoleEnum.ROLE_ADMIN : r === 'operator' ? RoleEnum.ROLE_OPERATOR : RoleEnum.ROLE_VIEWER;
}

/** The role of a proto enum value; undefined for UNSPECIFIED or unknown values. */
export function roleOf(r: RoleEnum): Role | undefined {
  return r === RoleEnum.ROLE_ADMIN ? 'admin' : r === RoleEnum.ROLE_OPERATOR ? 'operator' : r === RoleEnum.ROLE_VIEWER ? 'viewer' : undefined;
}
