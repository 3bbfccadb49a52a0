/**
 * `coffer ctl store add NAME LOCATION [k=v ...]` (passphrase from COFFER_PASSPHRASE or
 * --passphrase-file, or --passphrase-on-agent), `store edit NAME LOCATION [k=v ...]`
 * (replaces location and options; the passphrase held stays unless --passphrase-file
 * gives a new one), `store list|rm`, and the same for `source` and `destination` (which
 * take `--agent N`).
 */
import fs from 'node:fs';
import { expectArgs, flag, parseArgs, str } from '@coffer/shared/cli-args.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { Destination, Source, Store } from '@coffer/shared/gen/coffer/v1/controller.js';
import { pairs, table, when } from '../output.js';
import { kvOptions, usage, type CtlCommand, type CtlContext } from './context.js';

function badOption(a: string): CofferError {
  return new CofferError(ErrorCode.Usage, `'${a}' is not an option; options are key=value`);
}

function storePassphrase(c: CtlContext, file: string | undefined): string {
  if (file !== undefined) {
    try {
      return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CofferError(ErrorCode.Usage, `cannot read --passphrase-file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const p = c.env.COFFER_PASSPHRASE;
  if (p === undefined || p === '') {
    throw new CofferError(ErrorCode.Usage, "no store passphrase: set COFFER_PASSPHRASE, give --passphrase-file F, or --passphrase-on-agent if the agents keep it");
  }
  return p;
}

async function store(c: CtlContext, sub: string | undefined, rest: readonly string[]): Promise<number> {
  const U =
    'coffer ctl store add NAME LOCATION [k=v ...] [--passphrase-file F | --passphrase-on-agent] | store edit NAME LOCATION [k=v ...] [--passphrase-file F | --passphrase-on-agent] | store list [--json] | store rm NAME';
  if (sub === 'add' || sub === 'edit') {
    const p = parseArgs(rest, { 'passphrase-file': 'string', 'passphrase-on-agent': 'bool', json: 'bool' }, `ctl store ${sub}`);
    expectArgs(p, 2, 1000, U);
    const onAgent = flag(p, 'passphrase-on-agent');
    const file = str(p, 'passphrase-file');
    // An edit keeps the passphrase held unless a file gives a new one.
    const passphrase = onAgent || (sub === 'edit' && file === undefined) ? '' : storePassphrase(c, file);
    const req = { name: p.args[0] as string, location: p.args[1] as string, options: kvOptions(p.args.slice(2), badOption), passphrase, passphraseOnAgent: onAgent };
    const s = await c.ctl.call(sub === 'add' ? c.ctl.raw.addStore : c.ctl.raw.updateStore, req);
    c.out(flag(p, 'json') ? JSON.stringify(Store.toJSON(s)) : `store ${s.name} ${sub === 'add' ? 'added' : 'changed'} (${s.location})`);
    return 0;
  }
  if (sub === 'list') {
    const p = parseArgs(rest, { json: 'bool' }, 'ctl store list');
    expectArgs(p, 0, 0, U);
    const r = await c.ctl.call(c.ctl.raw.listStores, {});
    if (flag(p, 'json')) c.out(JSON.stringify(r.stores.map((s) => Store.toJSON(s))));
    else table(c.out, ['NAME', 'LOCATION', 'PASSPHRASE', 'OPTIONS'], r.stores.map((s) => [s.name, s.location, s.passphraseOnAgent ? 'on agents' : s.hasPassphrase ? 'held' : 'none', pairs(s.options)]));
    return 0;
  }
  if (sub === 'rm') return remove(c, rest, 'store', U);
  throw usage(U);
}

async function remove(c: CtlContext, rest: readonly string[], what: 'store' | 'source' | 'destination', U: string): Promise<number> {
  const p = parseArgs(rest, {}, `ctl ${what} rm`);
  expectArgs(p, 1, 1, U);
  const name = p.args[0] as string;
  const raw = c.ctl.raw;
  const method = what === 'store' ? raw.removeStore : what === 'source' ? raw.removeSource : raw.removeDestination;
  await c.ctl.call(method, { name });
  c.out(`${what} ${name} removed from the catalog (its data is untouched)`);
  return 0;
}

async function place(c: CtlContext, what: 'source' | 'destination', sub: string | undefined, rest: readonly string[]): Promise<number> {
  const U = `coffer ctl ${what} add|edit NAME LOCATION --agent N [k=v ...] | ${what} list [--json] | ${what} rm NAME`;
  if (sub === 'add' || sub === 'edit') {
    const p = parseArgs(rest, { agent: 'string', json: 'bool' }, `ctl ${what} ${sub}`);
    expectArgs(p, 2, 1000, U);
    const agent = str(p, 'agent');
    if (!agent) throw new CofferError(ErrorCode.Usage, `say which agent reaches the ${what}: --agent NAME`);
    const req = { name: p.args[0] as string, location: p.args[1] as string, agent, options: kvOptions(p.args.slice(2), badOption) };
    const done = sub === 'add' ? 'added' : 'changed';
    if (what === 'source') {
      const s = await c.ctl.call(sub === 'add' ? c.ctl.raw.addSource : c.ctl.raw.updateSource, req);
      c.out(flag(p, 'json') ? JSON.stringify(Source.toJSON(s)) : `source ${s.name} ${done} (${s.location} on agent ${s.agent})`);
    } else {
      const d = await c.ctl.call(sub === 'add' ? c.ctl.raw.addDestination : c.ctl.raw.updateDestination, req);
      c.out(flag(p, 'json') ? JSON.stringify(Destination.toJSON(d)) : `destination ${d.name} ${done} (${d.location} on agent ${d.agent})`);
    }
    return 0;
  }
  if (sub === 'list') {
    const p = parseArgs(rest, { json: 'bool' }, `ctl ${what} list`);
    expectArgs(p, 0, 0, U);
    if (what === 'source') {
      const r = await c.ctl.call(c.ctl.raw.listSources, {});
      if (flag(p, 'json')) c.out(JSON.stringify(r.sources.map((s) => Source.toJSON(s))));
      else table(c.out, ['NAME', 'AGENT', 'LOCATION', 'LAST BACKUP', 'OPTIONS'], r.sources.map((s) => [s.name, s.agent, s.location, when(s.lastBackupMs), pairs(s.options)]));
    } else {
      const r = await c.ctl.call(c.ctl.raw.listDestinations, {});
      if (flag(p, 'json')) c.out(JSON.stringify(r.destinations.map((s) => Destination.toJSON(s))));
      else table(c.out, ['NAME', 'AGENT', 'LOCATION', 'OPTIONS'], r.destinations.map((s) => [s.name, s.agent, s.location, pairs(s.options)]));
    }
    return 0;
  }
  if (sub === 'rm') return remove(c, rest, what, U);
  throw usage(U);
}

export const storeCmd: CtlCommand = (c, argv) => store(c, argv[0], argv.slice(1));
export const sourceCmd: CtlCommand = (c, argv) => place(c, 'source', argv[0], argv.slice(1));
export const destinationCmd: CtlCommand = (c, argv) => place(c, 'destination', argv[0], argv.slice(1));
