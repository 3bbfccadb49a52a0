/**
 * Console users in ControllerService: AddUser, ListUsers, RemoveUser, SetUserPassword
 * (a new password and/or a new role; the user's sessions end when the password changes
 * or the user goes) and WhoAmI. Passwords arrive in the request only, are hashed with
 * argon2id (passwords.ts) and never logged or returned.
 */
import { status } from '@grpc/grpc-js';
import { Role } from '@coffer/shared/gen/coffer/v1/controller.js';
import { userView } from '../catalog/users.js';
import { ApiError, exists, invalid, notFound } from './api-error.js';
import type { ServiceDeps } from './controller-service.js';
import { sync, type ControllerApi } from './neutral.js';
import { checkPassword, hashPassword } from './passwords.js';
import { roleEnum, roleOf } from './roles.js';
import { checkName } from './validate.js';

type UserCalls = Pick<ControllerApi, 'addUser' | 'listUsers' | 'removeUser' | 'setUserPassword' | 'whoAmI'>;

function checkRole(field: string, r: Role): Role {
  if (roleOf(r) === undefined) throw invalid(field, 'say which role: admin, operator or viewer');
  return r;
}

export function userCalls(d: ServiceDeps): UserCalls {
  const { catalog, clock } = d;
  const existing = (name: string): void => {
    if (!catalog.users.get(name)) throw notFound('user', name, "list users with 'coffer ctl user list'");
  };
  return {
    addUser: async (req, ctx) => {
      checkName('name', req.name);
      const role = checkRole('role', req.role);
      const passwordHash = await hashPassword(checkPassword('password', req.password));
      if (!catalog.users.add({ name: req.name, role, passwordHash, nowMs: clock.now() })) throw exists('user', req.name);
      d.log.info({ user: req.name, role: Role[role], by: ctx.principal?.name ?? '' }, 'console user added');
      const u = catalog.users.get(req.name);
      if (!u) throw new ApiError(status.INTERNAL, 'user vanished');
      return userView(u);
    },
    listUsers: sync(() => ({ users: catalog.users.list().map(userView) })),
    removeUser: sync((req, ctx) => {
      if (!catalog.users.remove(req.name)) throw notFound('user', req.name, "list users with 'coffer ctl user list'");
      d.users?.ended(req.name);
      d.log.info({ user: req.name, by: ctx.principal?.name ?? '' }, 'console user removed');
      return {};
    }),
    setUserPassword: async (req, ctx) => {
      existing(req.name);
      if (req.password === '' && req.role === Role.ROLE_UNSPECIFIED) throw invalid('password', 'give a new password, a new role, or both');
      const role = req.role === Role.ROLE_UNSPECIFIED ? undefined : checkRole('role', req.role);
      const passwordHash = req.password === '' ? undefined : await hashPassword(checkPassword('password', req.password));
      if (!catalog.users.update(req.name, { ...(passwordHash ? { passwordHash } : {}), ...(role ? { role } : {}) })) existing(req.name);
      if (passwordHash) d.users?.ended(req.name);
      d.log.info({ user: req.name, passwordChanged: passwordHash !== undefined, role: role !== undefined ? Role[role] : undefined, by: ctx.principal?.name ?? '' }, 'console user changed');
      const u = catalog.users.get(req.name);
      if (!u) throw notFound('user', req.name, 'it was removed meanwhile');
      return userView(u);
    },
    whoAmI: sync((_req, ctx) => {
      const p = ctx.principal;
      if (!p) throw new ApiError(status.UNAUTHENTICATED, 'no caller');
      const u = catalog.users.get(p.name);
      return u && roleEnum(p.role) === u.role ? userView(u) : { name: p.name, role: roleEnum(p.role), createdMs: 0, lastLoginMs: 0 };
    }),
  };
}
