/**
 * The console session as the pages see it (the shell reads it from GET /session and hands
 * it to every page): who is logged in and their role. `ConsolePage` (routes.ts) provides
 * it around every console page; `useRole()` and `useCan(action)` read it.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SessionInfo } from '../router-types.js';
import { can, type Action, type Role } from './role.js';

export const SessionContext = createContext<SessionInfo | null>(null);

export function useSession(): SessionInfo | null {
  return useContext(SessionContext);
}

export function useRole(): Role | undefined {
  return useSession()?.user.role;
}

export function useCan(action: Action): boolean {
  return can(useRole(), action);
}

/**
 * The `--controller` value for enroll lines: `agentAddress` from /session when the server
 * gives it (the controller's agent port), else this host on the default agent port 7443.
 */
export function agentAddress(s: SessionInfo | null): string {
  const given = (s as { agentAddress?: unknown } | null)?.agentAddress;
  if (typeof given !== 'string' || given === '') return `${window.location.hostname}:7443`;
  // A controller listening on every address names none: agents reach it as this page does.
  const any = /^(0\.0\.0\.0|\[::\]):(\d+)$/.exec(given);
  return any ? `${window.location.hostname}:${any[2] ?? '7443'}` : given;
}
