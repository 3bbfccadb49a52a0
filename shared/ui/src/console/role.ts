/**
 * What each console role may do, as the UI shows it (the API enforces the same rules;
 * the UI only hides what would be refused). Admin: everything. Operator: run and cancel
 * jobs, restore, verify, download. Viewer: look only.
 */
export type Role = 'admin' | 'operator' | 'viewer';

/** An action the UI offers. */
export type Action =
  /** Change the catalog, agents or users. */
  | 'manage'
  /** Run, cancel and rerun jobs; restore and verify; download and preview content. */
  | 'operate';

export function can(role: Role | undefined, action: Action): boolean {
  if (role === 'admin') return true;
  if (role === 'operator') return action === 'operate';
  return false;
}
