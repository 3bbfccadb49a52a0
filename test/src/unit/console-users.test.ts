/**
 * Console users and roles in the controller, against a real SQLite catalog: argon2id
 * hashes (never the password) in the users table, the user calls of ControllerService,
 * and the role table in front of every method (a viewer may list but not change, read
 * file contents, check or restore; an operator may run jobs and restore, not change the
 * catalog; tokens are admins).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { ManualClock } from '@coffer/shared/clock.js';
import { ControllerServiceDefinition, Role } from '@coffer/shared/gen/coffer/v1/controller.js';
import { StoreServiceDefinition } from '@coffer/shared/gen/coffer/v1/store.js';
import type { CallContext, Principal } from '@coffer/shared/rpc/service.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import { controllerService } from '@coffer/controller/api/controller-service.js';
import { hashPassword, verifyPassword } from '@coffer/controller/api/passwords.js';
import { authorizePath, CONTROLLER_ROLES, STORE_ROLES, withRoles } from '@coffer/controller/api/roles.js';
import { Catalog } from '@coffer/controller/catalog/catalog.js';
import { Dispatcher } from '@coffer/controller/dispatch/dispatcher.js';
import { createLogger } from '@coffer/controller/observability/log.js';

const ctx = (principal?: Principal): CallContext => ({ signal: new AbortController().signal, ...(principal ? { principal } : {}) });
const viewer: Principal = { name: 'vera', role: 'viewer' };
const operator: Principal = { name: 'otto', role: 'operator' };
const admin: Principal = { name: 'ada', role: 'admin' };

async function code(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof RpcError ? err.code : -1;
  }
}

describe('console users and roles', function () {
  this.timeout(60_000);
  let dir: string;
  let catalog: Catalog;
  let dispatcher: Dispatcher;
  let ended: string[];
  let api: ReturnType<typeof controllerService>;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-users-'));
    catalog = Catalog.open(dir);
    const clock = new ManualClock(1_000_000);
    const log = createLogger('silent');
    dispatcher = new Dispatcher(catalog, clock, log);
    ended = [];
    const raw = controllerService({ catalog, dispatcher, clock, log, caPin: 'pin', schedules: { validate: (s) => s, added: () => undefined, removed: () => undefined }, users: { ended: (n) => ended.push(n) } });
    api = withRoles(ControllerServiceDefinition, CONTROLLER_ROLES, raw);
  });

  afterEach(() => {
    dispatcher.stop();
    catalog.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hashes passwords with argon2id and checks them', async () => {
    const h = await hashPassword('correct horse');
    assert.match(h, /^\$argon2id\$v=19\$m=65536,t=5,p=1\$/);
    assert.ok(!h.includes('correct horse'));
    assert.equal(await verifyPassword(h, 'correct horse'), true);
    assert.equal(await verifyPassword(h, 'correct horsE'), false);
    assert.equal(await verifyPassword(h, ''), false);
    assert.equal(await verifyPassword('not a hash', 'correct horse'), false);
  });

  it('adds, lists, changes and removes users; the catalog holds a hash only', async () => {
    const u = await api.addUser({ name: 'otto', role: Role.ROLE_OPERATOR, password: 'operator pw 1' }, ctx(admin));
    assert.deepEqual({ name: u.name, role: u.role }, { name: 'otto', role: Role.ROLE_OPERATOR });
    assert.ok(!JSON.stringify(u).includes('operator pw 1'));
    const row = catalog.users.get('otto');
    assert.ok(row && (await verifyPassword(row.passwordHash, 'operator pw 1')));
    assert.equal(await code(api.addUser({ name: 'otto', role: Role.ROLE_VIEWER, password: 'another pw 2' }, ctx(admin))), status.ALREADY_EXISTS);
    assert.equal(await code(api.addUser({ name: 'short', role: Role.ROLE_VIEWER, password: 'short' }, ctx(admin))), status.INVALID_ARGUMENT);
    assert.equal(await code(api.addUser({ name: 'norole', role: Role.ROLE_UNSPECIFIED, password: 'long enough' }, ctx(admin))), status.INVALID_ARGUMENT);
    assert.equal(await code(api.addUser({ name: 'bad name', role: Role.ROLE_VIEWER, password: 'long enough' }, ctx(admin))), status.INVALID_ARGUMENT);

    const roleOnly = await api.setUserPassword({ name: 'otto', password: '', role: Role.ROLE_VIEWER }, ctx(admin));
    assert.equal(roleOnly.role, Role.ROLE_VIEWER);
    assert.deepEqual(ended, [], 'a role change keeps the sessions');
    await api.setUserPassword({ name: 'otto', password: 'new password 3', role: Role.ROLE_UNSPECIFIED }, ctx(admin));
    assert.deepEqual(ended, ['otto'], 'a new password ends the sessions');
    assert.ok(await verifyPassword(catalog.users.get('otto')?.passwordHash ?? '', 'new password 3'));
    assert.equal(await code(api.setUserPassword({ name: 'nobody', password: 'long enough', role: Role.ROLE_UNSPECIFIED }, ctx(admin))), status.NOT_FOUND);

    assert.deepEqual((await api.listUsers({}, ctx(admin))).users.map((x) => x.name), ['otto']);
    await api.removeUser({ name: 'otto' }, ctx(admin));
    assert.deepEqual(ended, ['otto', 'otto']);
    assert.equal(await code(api.removeUser({ name: 'otto' }, ctx(admin))), status.NOT_FOUND);
  });

  it('refuses a viewer every change and every content read, and lets it look', async () => {
    assert.equal(await code(api.listStores({}, ctx(viewer))), 'ok');
    assert.equal(await code(api.listJobs({ states: [], limit: 0, kinds: [], agent: '', source: '', store: '', sinceMs: 0, untilMs: 0 }, ctx(viewer))), 'ok');
    assert.equal(await code(api.addStore({ name: 'x', location: '/x', options: {}, passphrase: 'p', passphraseOnAgent: false }, ctx(viewer))), status.PERMISSION_DENIED);
    assert.equal(await code(api.runJob({ spec: undefined, maxAttempts: 0, waitSeconds: 0 }, ctx(viewer))), status.PERMISSION_DENIED);
    assert.equal(await code(api.listUsers({}, ctx(viewer))), status.PERMISSION_DENIED);
    assert.equal(await code(api.listStores({}, ctx())), status.UNAUTHENTICATED);
    for (const m of ['ReadFile', 'ReadArchive', 'Check', 'Restore']) {
      assert.throws(() => authorizePath(`/coffer.v1.StoreService/${m}`, viewer), (e: RpcError) => e.code === status.PERMISSION_DENIED, m);
      authorizePath(`/coffer.v1.StoreService/${m}`, operator);
    }
    for (const m of ['ListTree', 'GetStoreInfo', 'ListStoreSnapshots', 'Locate', 'PathHistory', 'Diff', 'DiffFile']) authorizePath(`/coffer.v1.StoreService/${m}`, viewer);
  });

  it('lets an operator run jobs but not change the catalog or users', async () => {
    // Passes the role check, then fails validation (no spec): the role allowed it.
    assert.equal(await code(api.runJob({ spec: undefined, maxAttempts: 0, waitSeconds: 0 }, ctx(operator))), status.INVALID_ARGUMENT);
    assert.equal(await code(api.cancelJob({ id: 'nope' }, ctx(operator))), status.NOT_FOUND);
    assert.equal(await code(api.rerunJob({ id: 'nope' }, ctx(operator))), status.NOT_FOUND);
    assert.equal(await code(api.addStore({ name: 'x', location: '/x', options: {}, passphrase: 'p', passphraseOnAgent: false }, ctx(operator))), status.PERMISSION_DENIED);
    assert.equal(await code(api.setSchedulePaused({ name: 'x', paused: true }, ctx(operator))), status.PERMISSION_DENIED);
    assert.equal(await code(api.addUser({ name: 'x', role: Role.ROLE_ADMIN, password: 'long enough' }, ctx(operator))), status.PERMISSION_DENIED);
  });

  it('has a role for every method of both services', () => {
    assert.deepEqual(Object.keys(CONTROLLER_ROLES).sort(), Object.keys(ControllerServiceDefinition.methods).sort());
    assert.deepEqual(Object.keys(STORE_ROLES).sort(), Object.keys(StoreServiceDefinition.methods).sort());
  });
});
