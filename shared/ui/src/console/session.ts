/**
 * The console session as the pages see it: who is logged in, their role, the CSRF
 * token, and the controller's agent address for enroll lines (the shell reads all of it
 * from GET /session). `ConsoleSession` is provided around every console page by
 * routes.ts; `useRole()` and `useCan(action)` read it.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { can, type Action, type Role } from './role.js';

export interface ConsoleSession {
  readonly user: { readonly name: string; readonly role: Role };
  readonly csrfToken: string;
  /** The address agents enroll with (`--controller`), when the server tells it. */
  readonly agentAddress?: string;
}

export const SessionContext = createContext<ConsoleSession | undefined>(undefined);

export function useSession(): ConsoleSession | undefined {
  return useContext(SessionContext);
}

export function useRole(): Role | undefined {
  return useSession()?.user.role;
}

export function useCan(action: Action): boolean {
  return can(useRole(), action);
}

/** The `--controller` value for enroll lines: the server's, else this host on the default agent port. */
export function agentAddress(s: ConsoleSession | undefined): string {
  return s?.agentAddress ?? `${window.location.hostname}:7443`;
}
