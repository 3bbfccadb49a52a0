/**
 * User and group names for numeric ids, read once from /etc/passwd and /etc/group
 * (the names a restore by name would use). Missing files mean no names.
 */
import { readFileSync } from 'node:fs';

function load(file: string): Map<number, string> {
  const m = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return m;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const id = Number(f[2]);
    if (f[0] && Number.isInteger(id) && !m.has(id)) m.set(id, f[0]);
  }
  return m;
}

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

/** Name of a user id, if known. */
export function userName(uid: number): string | undefined {
  users ??= load('/etc/passwd');
  return users.get(uid);
}

/** Name of a group id, if known. */
export function groupName(gid: number): string | undefined {
  groups ??= load('/etc/group');
  return groups.get(gid);
}

/** Id of a user name, if known. */
export function userId(name: string): number | undefined {
  users ??= load('/etc/passwd');
  for (const [id, n] of users) if (n === name) return id;
  return undefined;
}

/** Id of a group name, if known. */
export function groupId(name: string): number | undefined {
  groups ??= load('/etc/group');
  for (const [id, n] of groups) if (n === name) return id;
  return undefined;
}
