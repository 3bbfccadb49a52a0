/**
 * The one table of location schemes: their syntax, which roles each can play (store,
 * source, destination), what makes a location of that scheme acceptable, and how it is
 * shown without secrets. The controller validates catalog locations with it, and the
 * agent's registries (storage, sources, destinations) refuse to register a scheme the
 * table does not give that role, and name the table's syntax in their errors.
 * Pure: no I/O.
 */

/** What a location is used as. */
export type LocationRole = 'store' | 'source' | 'destination';

/** One scheme. */
export interface LocationScheme {
  readonly scheme: string;
  /** How to write it, for messages. */
  readonly syntax: string;
  readonly roles: readonly LocationRole[];
  /** Why a parsed location of this scheme is not acceptable, or undefined. */
  readonly refuse: (u: URL) => string | undefined;
}

export const LOCATION_SCHEMES: readonly LocationScheme[] = [
  {
    scheme: 'fs',
    syntax: '/absolute/path or fs:///absolute/path',
    roles: ['store', 'source', 'destination'],
    refuse: (u) => (u.pathname.startsWith('/') && u.host === '' ? undefined : 'an fs:// location is fs:///absolute/path'),
  },
  {
    scheme: 'sftp',
    syntax: 'sftp://[user@]host[:port]/path',
    roles: ['store', 'source', 'destination'],
    refuse: (u) =>
      u.hostname === ''
        ? 'it has no host; use sftp://[user@]host[:port]/path'
        : u.password !== ''
          ? 'passwords in locations are not accepted; use SSH keys (the identity option) or an ssh-agent'
          : undefined,
  },
];

/** The table's entry for `scheme` (without the colon). */
export function schemeInfo(scheme: string): LocationScheme | undefined {
  return LOCATION_SCHEMES.find((s) => s.scheme === scheme);
}

/** The syntax of every scheme that can play `role`, for messages. */
export function syntaxFor(role: LocationRole): string {
  return LOCATION_SCHEMES.filter((s) => s.roles.includes(role)).map((s) => s.syntax).join(', ');
}

/**
 * Why `location` cannot be used as `role` (or, without a role, as anything), or
 * undefined when it can. A plain absolute path is local disk.
 */
export function locationProblem(location: string, role?: LocationRole): string | undefined {
  if (location.startsWith('/')) return undefined;
  let u: URL;
  try {
    u = new URL(location);
  } catch {
    return `'${location}' is not a location; use ${role ? syntaxFor(role) : LOCATION_SCHEMES.map((s) => s.syntax).join(', ')}`;
  }
  const info = schemeInfo(u.protocol.replace(/:$/, ''));
  if (!info) return `unknown scheme '${u.protocol}' in '${location}'; use ${role ? syntaxFor(role) : LOCATION_SCHEMES.map((s) => s.syntax).join(', ')}`;
  if (role && !info.roles.includes(role)) return `${info.scheme}:// cannot be a ${role}; use ${syntaxFor(role)}`;
  return info.refuse(u);
}

/** A location as it may be shown and logged: any user-info password removed. */
export function redactLocation(location: string): string {
  try {
    const u = new URL(location);
    if (u.password === '') return location;
    u.password = '';
    return u.toString();
  } catch {
    return location;
  }
}
/** Throws (a programming error) when the table does not give `scheme` the role `role`. */
export function assertRole(scheme: string, role: LocationRole): void {
  if (!schemeInfo(scheme)?.roles.includes(role)) throw new Error(`scheme ${scheme}:// is registered as a ${role} but the table of location schemes (shared/src/location-schemes.ts) does not give it that role`);
}
