/**
 * Whether the session may read file contents, download, restore and verify: the local
 * viewer's user may; in the console admins and operators may, viewers only look. The UI
 * hides what would be refused; the API refuses it anyway (controller/src/api/roles.ts).
 */
import type { SessionInfo } from './router-types.js';

export function mayOperate(session: SessionInfo | null | undefined): boolean {
  if (!session) return false;
  return session.home === 'local' || session.user.role === 'admin' || session.user.role === 'operator';
}
