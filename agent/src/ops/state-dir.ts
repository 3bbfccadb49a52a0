/**
 * The state folder of this machine's coffer: COFFER_STATE_DIR, else
 * $XDG_STATE_HOME/coffer, else ~/.local/state/coffer. It holds what coffer remembers
 * between runs (store identities, cli/known-stores.ts; check results, check-state.ts);
 * an agent points it at its data folder's `state/`.
 */
import os from 'node:os';
import path from 'node:path';

/** The state folder. */
export function stateDir(env: NodeJS.ProcessEnv): string {
  if (env.COFFER_STATE_DIR) return path.resolve(env.COFFER_STATE_DIR);
  const base = env.XDG_STATE_HOME ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'coffer');
}
