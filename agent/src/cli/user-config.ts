/**
 * The user's configuration: named stores, sources and destinations, kept in
 * `$XDG_CONFIG_HOME/coffer/config.json` (default ~/.config/coffer), mode 0600,
 * written atomically.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** Settings of one named entry; `location` is required. */
export type Entry = Record<string, string>;

/** The whole file. */
export interface UserConfig {
  version: 1;
  default?: string;
  stores: Record<string, Entry>;
  sources: Record<string, Entry>;
  destinations: Record<string, Entry>;
  /** Plakar 1.0's `config remote`: usable as a store, source or destination. */
  remotes: Record<string, Entry>;
}

/** Section names. */
export type Section = 'stores' | 'sources' | 'destinations' | 'remotes';

/** Option names whose values are secrets (hidden by `show` unless --secrets). */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['passphrase', 'key_passphrase', 'password']);

/** Folder of the configuration. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(base, 'coffer');
}

/** Reads the configuration (empty when the file does not exist). */
export function readConfig(env: NodeJS.ProcessEnv = process.env): UserConfig {
  const file = path.join(configDir(env), 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { version: 1, stores: {}, sources: {}, destinations: {}, remotes: {} };
  }
  try {
    const c = JSON.parse(text) as Partial<UserConfig>;
    return {
      version: 1,
      ...(c.default ? { default: c.default } : {}),
      stores: c.stores ?? {},
      sources: c.sources ?? {},
      destinations: c.destinations ?? {},
      remotes: c.remotes ?? {},
    };
  } catch {
    throw new CofferError(ErrorCode.Config, `${file} is not valid JSON; fix or remove it`);
  }
}

/** Writes the configuration atomically with mode 0600. */
export function writeConfig(c: UserConfig, env: NodeJS.ProcessEnv = process.env): void {
  const dir = configDir(env);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomicSync(path.join(dir, 'config.json'), JSON.stringify(c, null, 2) + '\n', 0o600);
}

/** Looks up `@name` in a section (then among remotes); throws a usage error naming the fix when absent. */
export function lookup(section: Section, ref: string, env: NodeJS.ProcessEnv = process.env): Entry {
  const name = ref.startsWith('@') ? ref.slice(1) : ref;
  const c = readConfig(env);
  const e = c[section][name] ?? c.remotes[name];
  if (!e || !e.location) {
    const noun = section.slice(0, -1);
    throw new CofferError(ErrorCode.Usage, `no ${noun} named '${name}': add it with 'coffer ${noun} add ${name} LOCATION'`);
  }
  return e;
}
