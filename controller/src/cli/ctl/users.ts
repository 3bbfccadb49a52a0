/**
 * `coffer ctl user add NAME --role admin|operator|viewer [--password-file F]`,
 * `user passwd NAME [--password-file F] [--role R]` (with --role alone only the role
 * changes), `user rm NAME`, `user list [--json]`. Console users log in to the fleet
 * console on the controller's --http port; the password is asked without echo unless a
 * file gives it (user-password.ts).
 */
import { expectArgs, flag, parseArgs, str } from '@coffer/shared/cli-args.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { Role, User } from '@coffer/shared/gen/coffer/v1/controller.js';
import { table, when } from '../output.js';
import { usage, type CtlCommand } from './context.js';
import { readPassword } from './user-password.js';

const U = 'coffer ctl user add NAME --role admin|operator|viewer [--password-file F] | user passwd NAME [--password-file F] [--role R] | user rm NAME | user list [--json]';

const ROLES: Record<string, Role> = { admin: Role.ROLE_ADMIN, operator: Role.ROLE_OPERATOR, viewer: Role.ROLE_VIEWER };

function roleFlag(text: string | undefined, required: boolean): Role {
  if (text === undefined) {
    if (required) throw new CofferError(ErrorCode.Usage, 'say which role: --role admin|operator|viewer');
    return Role.ROLE_UNSPECIFIED;
  }
  const r = ROLES[text];
  if (r === undefined) throw new CofferError(ErrorCode.Usage, `--role '${text}' is not admin, operator or viewer`);
  return r;
}

export const roleName = (r: Role): string => (Role[r] ?? '?').replace('ROLE_', '').toLowerCase();

export const userCmd: CtlCommand = async (c, argv) => {
  const [sub, ...rest] = argv;
  if (sub === 'add') {
    const p = parseArgs(rest, { role: 'string', 'password-file': 'string', json: 'bool' }, 'ctl user add');
    expectArgs(p, 1, 1, U);
    const name = p.args[0] as string;
    const role = roleFlag(str(p, 'role'), true);
    const password = await readPassword(str(p, 'password-file'), name);
    const u = await c.ctl.call(c.ctl.raw.addUser, { name, role, password });
    c.out(flag(p, 'json') ? JSON.stringify(User.toJSON(u)) : `user ${u.name} added (${roleName(u.role)})`);
    return 0;
  }
  if (sub === 'passwd') {
    const p = parseArgs(rest, { role: 'string', 'password-file': 'string', json: 'bool' }, 'ctl user passwd');
    expectArgs(p, 1, 1, U);
    const name = p.args[0] as string;
    const role = roleFlag(str(p, 'role'), false);
    const file = str(p, 'password-file');
    const password = role !== Role.ROLE_UNSPECIFIED && file === undefined ? '' : await readPassword(file, name);
    const u = await c.ctl.call(c.ctl.raw.setUserPassword, { name, password, role });
    c.out(flag(p, 'json') ? JSON.stringify(User.toJSON(u)) : `user ${u.name} changed (${password !== '' ? 'new password, ' : ''}${roleName(u.role)}); their console sessions ${password !== '' ? 'were ended' : 'go on'}`);
    return 0;
  }
  if (sub === 'rm') {
    const p = parseArgs(rest, {}, 'ctl user rm');
    expectArgs(p, 1, 1, U);
    await c.ctl.call(c.ctl.raw.removeUser, { name: p.args[0] as string });
    c.out(`user ${p.args[0] as string} removed; their console sessions were ended`);
    return 0;
  }
  if (sub === 'list') {
    const p = parseArgs(rest, { json: 'bool' }, 'ctl user list');
    expectArgs(p, 0, 0, U);
    const r = await c.ctl.call(c.ctl.raw.listUsers, {});
    if (flag(p, 'json')) c.out(JSON.stringify(r.users.map((u) => User.toJSON(u))));
    else table(c.out, ['NAME', 'ROLE', 'CREATED', 'LAST LOGIN'], r.users.map((u) => [u.name, roleName(u.role), when(u.createdMs), when(u.lastLoginMs)]));
    return 0;
  }
  throw usage(U);
};
