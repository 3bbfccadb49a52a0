/**
 * Users (/users, admins): each console user with their role, creation and last login;
 * add one (name, role, password), change a user's password or role (SetUserPassword; an
 * empty password keeps the current one), remove one (after a confirmation). Passwords
 * are sent once and never shown.
 */
import type { JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ctl } from './api.js';
import { fieldErrors, NO_ERRORS, type FieldErrors } from './api-error.js';
import { ago } from './format.js';
import type { Role } from './role.js';
import { useCan, useSession } from './session.js';
import { usePoll } from './use-poll.js';
import { ErrorLine, Field, RemoveButton, Table } from './widgets.js';
import type { RoleName, User } from './wire.js';

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
const roleName = (r: Role): RoleName => `ROLE_${r.toUpperCase()}` as RoleName;
const roleOf = (r: RoleName | undefined): string => (r ? r.replace('ROLE_', '').toLowerCase() : 'unknown');

interface Editing {
  readonly name: string;
  readonly role: Role;
  readonly password: string;
  readonly isNew: boolean;
}

function UserForm({ initial, done, cancel }: { readonly initial: Editing; readonly done: () => void; readonly cancel: () => void }): JSX.Element {
  const [u, setU] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);
  const roleId = useId();
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      if (u.isNew) await ctl('AddUser', { name: u.name.trim(), role: roleName(u.role), password: u.password });
      else await ctl('SetUserPassword', { name: u.name, role: roleName(u.role), password: u.password });
      done();
    } catch (err) {
      setErrors(fieldErrors(err, ['name', 'role', 'password']));
    }
  };
  return (
    <form class="panel entity-form" aria-label={u.isNew ? 'Add a user' : `Change user ${u.name}`} onSubmit={(e) => void save(e)}>
      <h2>{u.isNew ? 'Add a user' : `Change user ${u.name}`}</h2>
      <Field label="Name" value={u.name} onInput={(name) => setU({ ...u, name })} error={errors.byField.name} disabled={!u.isNew} required autoComplete="off" />
      <div class="field">
        <label for={roleId}>Role</label>
        <select id={roleId} value={u.role} onChange={(e) => setU({ ...u, role: e.currentTarget.value as Role })}>
          {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
        {errors.byField.role && <span class="field-error">{errors.byField.role}</span>}
      </div>
      <Field label={u.isNew ? 'Password' : 'New password (empty: unchanged)'} type="password" value={u.password} onInput={(password) => setU({ ...u, password })} error={errors.byField.password} required={u.isNew} autoComplete="new-password" />
      <ErrorLine text={errors.rest} />
      <div class="actions">
        <button type="submit">{u.isNew ? 'Add' : 'Save changes'}</button>
        <button type="button" onClick={cancel}>Cancel</button>
      </div>
    </form>
  );
}

export function UsersPage(): JSX.Element {
  const manage = useCan('manage');
  const me = useSession()?.user.name;
  const { data, error, reload } = usePoll(async (signal) => ({ now: Date.now(), users: (await ctl('ListUsers', {}, signal)).users ?? [] }), 0, []);
  const [editing, setEditing] = useState<Editing | undefined>();
  if (!manage) return <div class="console-page users"><h1>Users</h1><p>Only admins manage users.</p></div>;
  const edit = (u: User): void => setEditing({ name: u.name ?? '', role: (roleOf(u.role) as Role), password: '', isNew: false });
  return (
    <div class="console-page users">
      <h1>Users</h1>
      <ErrorLine text={error} />
      {!editing && <button type="button" onClick={() => setEditing({ name: '', role: 'viewer', password: '', isNew: true })}>Add a user</button>}
      {editing && <UserForm key={editing.name} initial={editing} done={() => (setEditing(undefined), reload())} cancel={() => setEditing(undefined)} />}
      {!data ? <p aria-busy="true">Loading…</p> : (
        <Table
          caption="Console users"
          head={['Name', 'Role', 'Last login', '']}
          rows={data.users}
          row={(u) => (
            <tr key={u.name} data-name={u.name}>
              <th scope="row">{u.name}</th>
              <td>{roleOf(u.role)}</td>
              <td>{ago(u.lastLoginMs, data.now)}</td>
              <td class="actions">
                <button type="button" onClick={() => edit(u)} aria-label={`Change user ${u.name ?? ''}`}>Change</button>
                {u.name !== me && <RemoveButton noun="user" name={u.name ?? ''} note="Their sessions end." remove={async () => (await ctl('RemoveUser', { name: u.name ?? '' }), reload())} />}
              </td>
            </tr>
          )}
        />
      )}
    </div>
  );
}
