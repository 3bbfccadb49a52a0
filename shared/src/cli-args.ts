/**
 * Command-line flag parsing: GNU-style `--flag`, `--flag=value`, `--flag value`, and
 * Plakar's single-dash `-flag` spellings; `--` ends flags. Unknown flags and missing
 * values are usage errors naming the flag.
 */
import { didYouMean } from './did-you-mean.js';
import { CofferError, ErrorCode } from './errors.js';

/** A flag's kind: a switch, a single value, or a repeatable value. */
export type FlagKind = 'bool' | 'string' | 'list';

/** Flags a verb accepts: name (without dashes) → kind. */
export type FlagSpec = Readonly<Record<string, FlagKind>>;

/** Parsed flags and positional arguments. */
export interface Parsed {
  readonly flags: Map<string, string[] | true>;
  readonly args: string[];
}

/** Parses `argv` against `spec` for command `cmd` (used in messages). */
export function parseArgs(argv: readonly string[], spec: FlagSpec, cmd: string): Parsed {
  const flags = new Map<string, string[] | true>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.length < 2 || !a.startsWith('-') || /^-\d/.test(a)) {
      args.push(a);
      continue;
    }
    const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const kind = spec[name];
    if (!kind) {
      const known = Object.keys(spec).map((k) => `--${k}`).join(', ') || 'none';
      const hint = didYouMean(name, Object.keys(spec), (k) => `--${k}`);
      throw new CofferError(ErrorCode.Usage, `unknown flag '${a}' for '${cmd}'${hint ? `;${hint}` : ''} (flags: ${known})`);
    }
    if (kind === 'bool') {
      if (eq >= 0) {
        const v = body.slice(eq + 1);
        if (v === 'true') flags.set(name, true);
        else if (v !== 'false') throw new CofferError(ErrorCode.Usage, `flag --${name} takes no value (or =true/=false)`);
        continue;
      }
      flags.set(name, true);
      continue;
    }
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new CofferError(ErrorCode.Usage, `flag --${name} of '${cmd}' needs a value`);
      value = next;
      i++;
    }
    const prev = flags.get(name);
    if (kind === 'string' && prev !== undefined) throw new CofferError(ErrorCode.Usage, `flag --${name} of '${cmd}' given twice`);
    flags.set(name, [...(Array.isArray(prev) ? prev : []), value]);
  }
  return { flags, args };
}

/** A boolean flag. */
export function flag(p: Parsed, name: string): boolean {
  return p.flags.get(name) === true;
}

/** A single-valued flag, or undefined. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return Array.isArray(v) ? v[0] : undefined;
}

/** All values of a repeatable flag; comma-separated values are split when `split`. */
export function list(p: Parsed, name: string, split = false): string[] {
  const v = p.flags.get(name);
  const vals = Array.isArray(v) ? v : [];
  return split ? vals.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean) : vals;
}

/** A non-negative integer flag. */
export function int(p: Parsed, name: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new CofferError(ErrorCode.Usage, `flag --${name} needs a whole number, got '${v}'`);
  return Number(v);
}

/** Throws a usage error unless the number of positional arguments is within bounds. */
export function expectArgs(p: Parsed, min: number, max: number, usage: string): void {
  if (p.args.length < min || p.args.length > max) throw new CofferError(ErrorCode.Usage, `usage: ${usage}`);
}

/**
 * Splits the leading flags of `argv` (those before the first word: `at`, a verb, a
 * subcommand) from the rest, taking the value of each 'string' flag of `spec` given as
 * a separate word. The caller parses the leading part with {@link parseArgs}.
 */
export function splitLeadingFlags(argv: readonly string[], spec: FlagSpec): { leading: string[]; rest: string[] } {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && (argv[i] as string).startsWith('-')) {
    const a = argv[i] as string;
    leading.push(a);
    const name = a.replace(/^--?/, '').split('=')[0] ?? '';
    if (spec[name] === 'string' && !a.includes('=')) leading.push(argv[++i] ?? '');
    i++;
  }
  return { leading, rest: argv.slice(i) };
}
