/** Validation of API input: names, locations, options. Each failure names its field. */
import { type LocationRole, locationProblem } from '@coffer/shared/location-schemes.js';
import { CATALOG_NAME } from '../names.js';
import { invalid } from './api-error.js';


/** Option keys that hold secrets and are therefore refused in options (they belong elsewhere). */
const SECRET_OPTIONS = new Set(['passphrase', 'passphrase_cmd', 'passphrase_file', 'key_passphrase']);

/** A catalog name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64. */
export function checkName(field: string, name: string): string {
  if (!CATALOG_NAME.test(name)) throw invalid(field, `'${name}' is not a valid name; use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)`);
  return name;
}

/** A location any scheme of the shared table (location-schemes.ts) accepts. */
export function checkLocation(field: string, location: string, role?: LocationRole): string {
  const problem = locationProblem(location, role);
  if (problem !== undefined) throw invalid(field, problem);
  return location;
}

/** Connector options: plain key=value, no secrets. */
export function checkOptions(field: string, options: Readonly<Record<string, string>>): Record<string, string> {
  for (const k of Object.keys(options)) {
    if (!/^[a-z][a-z0-9_]*$/.test(k)) throw invalid(`${field}.${k}`, 'option names are lower-case letters, digits and _');
    if (SECRET_OPTIONS.has(k)) throw invalid(`${field}.${k}`, 'secrets are not options: give the store passphrase with COFFER_PASSPHRASE or --passphrase-file, and keep SSH key passphrases on the agent');
  }
  if (options.max_jobs !== undefined && !/^[1-9][0-9]*$/.test(options.max_jobs)) throw invalid(`${field}.max_jobs`, `'${options.max_jobs}' is not a positive whole number`);
  if (options.reach !== undefined && !/^\s*[^=,\s]+=[^=,]*(,\s*[^=,\s]+=[^=,]*)*\s*$/.test(options.reach)) {
    throw invalid(`${field}.reach`, `'${options.reach}' is not a label selector; use k=v[,k2=v2]`);
  }
  return { ...options };
}

/** A read-data subset: "P%" (0 < P <= 100) or "N/M" (1 <= N <= M). */
export function checkSubset(field: string, s: string): string {
  if (s === '') return s;
  const p = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (p && Number(p[1]) > 0 && Number(p[1]) <= 100) return s;
  const nm = /^(\d+)\/(\d+)$/.exec(s);
  if (nm && Number(nm[1]) >= 1 && Number(nm[1]) <= Number(nm[2])) return s;
  throw invalid(field, `'${s}' is not a subset; use P% (like 10%) or N/M (like 1/5)`);
}
