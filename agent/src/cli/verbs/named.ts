/**
 * Named stores, sources, destinations and remotes in the user's configuration:
 *   coffer store|source|destination add NAME LOCATION [k=v …] | set NAME k=v … |
 *     unset NAME k … | show [--secrets] [--json] [NAME] | rm NAME | ping NAME
 *   coffer config remote|store create NAME | set NAME KEY VALUE | unset NAME KEY |
 *     show [NAME] | rm NAME            (Plakar 1.0's grammar)
 * Secrets (passphrase, key_passphrase, password) are hidden unless --secrets.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { openBackend } from '../../storage/registry.js';
import { openDestination, openSource } from '../../connectors/registry.js';
import { flag, parseArgs } from '../args.js';
import type { Context } from '../context.js';
import { type Entry, readConfig, SECRET_KEYS, type Section, writeConfig } from '../user-config.js';
import type { Verb } from '../verb.js';

const NAMED_FLAGS = { secrets: 'bool', json: 'bool' } as const;

function pairs(args: readonly string[], usage: string): [string, string][] {
  return args.map((a) => {
    const i = a.indexOf('=');
    if (i <= 0) throw new CofferError(ErrorCode.Usage, `expected key=value, got '${a}' (usage: ${usage})`);
    return [a.slice(0, i), a.slice(i + 1)];
  });
}

function validName(name: string | undefined, noun: string): string {
  if (!name || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new CofferError(ErrorCode.Usage, `invalid ${noun} name '${name ?? ''}': use letters, digits, '.', '_' and '-'`);
  }
  return name.replace(/^@/, '');
}

function shown(e: Entry, secrets: boolean): Entry {
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, SECRET_KEYS.has(k) && !secrets ? '********' : v]));
}

function edit(ctx: Context, section: Section, noun: string, op: string, rest: readonly string[], usage: string): number {
  const c = readConfig(ctx.env);
  const entries = c[section];
  const p = parseArgs(rest, NAMED_FLAGS, `${noun} ${op}`);
  const [name, ...more] = p.args;
  switch (op) {
    case 'add':
    case 'create': {
      const n = validName(name, noun);
      if (entries[n]) throw new CofferError(ErrorCode.Usage, `a ${noun} named '${n}' exists; use '${noun} set' or remove it first`);
      const [location, ...kv] = op === 'add' ? more : [];
      if (op === 'add' && !location) throw new CofferError(ErrorCode.Usage, `usage: ${usage}`);
      entries[n] = { ...(location ? { location: location.replace(/^location=/, '') } : {}), ...Object.fromEntries(pairs(kv, usage)) };
      break;
    }
    case 'set': {
      const n = validName(name, noun);
      const e = entries[n];
      if (!e) throw new CofferError(ErrorCode.Usage, `no ${noun} named '${n}'`);
      // Both `set NAME k=v …` and Plakar's `set NAME KEY VALUE`.
      const kv = more.length === 2 && !(more[0] ?? '').includes('=') ? [[more[0] as string, more[1] as string] as [string, string]] : pairs(more, usage);
      if (kv.length === 0) throw new CofferError(ErrorCode.Usage, `usage: ${usage}`);
      for (const [k, v] of kv) e[k] = v;
      break;
    }
    case 'unset': {
      const n = validName(name, noun);
      const e = entries[n];
      if (!e) throw new CofferError(ErrorCode.Usage, `no ${noun} named '${n}'`);
      for (const k of more) delete e[k];
      break;
    }
    case 'rm': {
      const n = validName(name, noun);
      if (!entries[n]) throw new CofferError(ErrorCode.Usage, `no ${noun} named '${n}'`);
      delete entries[n];
      break;
    }
    case 'show': {
      const list = name ? { [name]: entries[name] } : entries;
      if (name && !entries[name]) throw new CofferError(ErrorCode.Usage, `no ${noun} named '${name}'`);
      const secrets = flag(p, 'secrets');
      const out = Object.fromEntries(Object.entries(list).map(([k, v]) => [k, shown(v ?? {}, secrets)]));
      if (flag(p, 'json')) ctx.out(JSON.stringify(out));
      else for (const [k, v] of Object.entries(out)) ctx.out(`${k}: ${Object.entries(v).map(([a, b]) => `${a}=${b}`).join(' ')}`);
      return 0;
    }
    default:
      throw new CofferError(ErrorCode.Usage, `usage: ${usage}`);
  }
  writeConfig(c, ctx.env);
  return 0;
}

async function ping(ctx: Context, section: Section, name: string | undefined): Promise<number> {
  const c = readConfig(ctx.env);
  const n = validName(name, 'entry');
  const e = c[section][n] ?? c.remotes[n];
  if (!e?.location) throw new CofferError(ErrorCode.Usage, `no ${section.slice(0, -1)} named '${n}'`);
  const t0 = Date.now();
  if (section === 'stores') {
    const b = await openBackend(e.location, e);
    try {
      ctx.out(`${n}: ${(await b.exists()) ? 'a store' : 'reachable, no store yet'} at ${b.location} (${Date.now() - t0} ms)`);
    } finally {
      await b.close();
    }
  } else if (section === 'sources') {
    const s = await openSource(e.location, e);
    try {
      await s.stat();
      ctx.out(`${n}: ${s.location} is readable (${Date.now() - t0} ms)`);
    } finally {
      await s.close();
    }
  } else {
    const d = await openDestination(e.location, e);
    try {
      await d.lookup('.coffer-ping');
      ctx.out(`${n}: ${d.location} is reachable (${Date.now() - t0} ms)`);
    } finally {
      await d.close();
    }
  }
  return 0;
}

function namedVerb(noun: 'store' | 'source' | 'destination'): Verb {
  const section = `${noun}s` as Section;
  const usage = `coffer ${noun} add NAME LOCATION [k=v …] | set NAME k=v … | unset NAME k … | show [--secrets] [--json] [NAME] | rm NAME | ping NAME`;
  return {
    name: noun,
    usage,
    needsStore: false,
    flags: NAMED_FLAGS,
    async run(ctx, argv) {
      const [op, ...rest] = argv;
      if (op === 'ping') return ping(ctx, section, rest[0]);
      if (op !== 'add' && op !== 'set' && op !== 'unset' && op !== 'show' && op !== 'rm') throw new CofferError(ErrorCode.Usage, `usage: ${usage}`);
      return Promise.resolve(edit(ctx, section, noun, op, rest, usage));
    },
  };
}

export const storeVerb = namedVerb('store');
export const sourceVerb = namedVerb('source');
export const destinationVerb = namedVerb('destination');

export const configVerb: Verb = {
  name: 'config',
  usage: 'coffer config [remote|store] (create NAME | set NAME KEY VALUE | unset NAME KEY | show [NAME] | rm NAME)',
  needsStore: false,
  flags: NAMED_FLAGS,
  run(ctx, argv) {
    if (argv.length === 0) {
      const c = readConfig(ctx.env);
      for (const s of ['stores', 'sources', 'destinations', 'remotes'] as Section[]) {
        for (const [k, v] of Object.entries(c[s])) ctx.out(`${s.slice(0, -1)} ${k}: ${Object.entries(shown(v, false)).map(([a, b]) => `${a}=${b}`).join(' ')}`);
      }
      return Promise.resolve(0);
    }
    const [kind, op, ...rest] = argv;
    const section: Section | undefined = kind === 'remote' ? 'remotes' : kind === 'store' || kind === 'repository' || kind === 'repo' ? 'stores' : undefined;
    if (!section || !op || !['create', 'set', 'unset', 'show', 'rm'].includes(op)) throw new CofferError(ErrorCode.Usage, `usage: ${this.usage}`);
    return Promise.resolve(edit(ctx, section, kind === 'remote' ? 'remote' : 'store', op, rest, this.usage));
  },
};
