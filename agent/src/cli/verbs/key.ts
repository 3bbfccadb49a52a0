/**
 * `coffer at <store> key list | add | remove [--force] ID | passwd [ID]` — the store's
 * passphrases (engine/key-slots.ts). Changing one rewrites one wrapped copy of the
 * master key, never the data. The new passphrase comes from --new-passphrase-file,
 * COFFER_NEW_PASSPHRASE, COFFER_NEW_PASSPHRASE_CMD or a prompt (twice), never argv.
 * Guarantees: the last key is never removed; the key this run opened the store with is
 * removed only with --force; remove and passwd hold the store's exclusive lock, so two
 * of them cannot together remove every key; each write is atomic (a crash leaves the old
 * or the new slot, and the store opens with the old or the new passphrase).
 */
import os from 'node:os';
import { didYouMean } from '@coffer/shared/did-you-mean.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { hostName, type Repository } from '../../engine/repository.js';
import { addSlot, type KeySlot, listSlots, removeSlot, replaceConfigSlot } from '../../engine/key-slots.js';
import { MAC_SINCE_VERSION } from '../../engine/config-auth.js';
import { wrapMasterKeys, type StoreConfig } from '../../engine/store-config.js';
import { expectArgs, flag, parseArgs, str, type Parsed } from '../args.js';
import { openRepo, storeTarget, type Context } from '../context.js';
import { localTime } from '../format.js';
import { lockStore } from '../lock.js';
import { resolvePassphrase } from '../passphrase.js';
import { rememberStore } from '../store-trust.js';
import type { Verb } from '../verb.js';

const USAGE = 'coffer at <store> key list [--json] | key add | key remove [--force] ID | key passwd [ID]   (new passphrase: --new-passphrase-file F, COFFER_NEW_PASSPHRASE(_CMD) or a prompt)';

function shortId(s: KeySlot): string {
  return s.id.slice(0, 8);
}

/** The slot an id prefix names (at least 4 hex digits, unique). */
function pick(slots: readonly KeySlot[], ref: string | undefined): KeySlot {
  if (ref === undefined || !/^[0-9a-f]{4,64}$/.test(ref)) throw new CofferError(ErrorCode.Usage, `give the key's id (at least 4 hex digits, as 'key list' shows it): usage: ${USAGE}`);
  const m = slots.filter((s) => s.id.startsWith(ref));
  if (m.length === 0) throw new CofferError(ErrorCode.NotFound, `no key matches '${ref}'; list them with 'key list'`);
  if (m.length > 1) throw new CofferError(ErrorCode.Usage, `key id '${ref}' is ambiguous (${m.length} matches); give more digits`);
  return m[0] as KeySlot;
}

async function newPassphrase(ctx: Context, p: Parsed, display: string): Promise<string> {
  return resolvePassphrase({ file: str(p, 'new-passphrase-file'), env: ctx.env, envVar: 'COFFER_NEW_PASSPHRASE', what: `the new key of ${display}`, confirm: true });
}

/** Refuses to rewrite the config's slot of a version 1 store (its config has no MAC: other machines would refuse it as changed). */
function configSlotChangeable(cfg: StoreConfig, s: KeySlot, display: string): void {
  if (s.where === 'config' && cfg.version < MAC_SINCE_VERSION) {
    throw new CofferError(
      ErrorCode.Usage,
      `key ${shortId(s)} of ${display} is held in the config of a format 1 store, which cannot change without every other machine refusing the store: add a key with 'key add' and use that one`,
    );
  }
}

function origin(): { created: string; host: string; user: string } {
  return { created: new Date().toISOString(), host: hostName(), user: os.userInfo().username };
}

async function withKeys(ctx: Context, run: (repo: Repository, slots: KeySlot[], display: string) => Promise<number>): Promise<number> {
  const t = storeTarget(ctx);
  const repo = await openRepo(ctx, t);
  try {
    if (!repo.config.encryption) throw new CofferError(ErrorCode.Usage, `${t.display} is not encrypted: it has no passphrase to manage`);
    const slots = await listSlots(repo.backend, repo.config, (name, e) => ctx.warn(`warning: key file ${name.slice(0, 8)} skipped: ${e.message}`));
    return await run(repo, slots, t.display);
  } finally {
    await repo.backend.close();
  }
}

/** Remembers the store's new config on this machine (store-trust.ts), so that it is not refused as changed. */
function remember(ctx: Context, repo: Repository, display: string, cfg: StoreConfig): void {
  rememberStore({ location: repo.backend.location, display, env: ctx.env, warn: ctx.warn }, cfg, repo.keys);
}

function list(ctx: Context, json: boolean): Promise<number> {
  return withKeys(ctx, (repo, slots) => {
    for (const s of slots) {
      const current = s.id === repo.keySlot?.id;
      if (json) ctx.out(JSON.stringify({ type: 'key', id: s.id, current, where: s.where, created: s.created, host: s.host, user: s.user }));
      else ctx.out(`${current ? '*' : ' '} ${shortId(s)}  ${(s.where === 'config' ? 'config' : 'keys/').padEnd(6)}  ${s.created ? localTime(s.created) : '-'}  ${s.host ?? '-'}  ${s.user ?? '-'}`);
    }
    return Promise.resolve(0);
  });
}

async function add(ctx: Context, p: Parsed, json: boolean): Promise<number> {
  return withKeys(ctx, async (repo, _slots, display) => {
    const pass = await newPassphrase(ctx, p, display);
    const s = await addSlot(repo.backend, repo.config, repo.keys, pass, origin());
    ctx.out(json ? JSON.stringify({ type: 'key-added', id: s.id }) : `added key ${shortId(s)} to ${display}`);
    return 0;
  });
}

async function remove(ctx: Context, p: Parsed, json: boolean): Promise<number> {
  return withKeys(ctx, async (repo, slots, display) => {
    const s = pick(slots, p.args[1]);
    if (slots.length === 1) throw new CofferError(ErrorCode.Usage, `refusing to remove the last key of ${display}: nothing could open the store again (add another with 'key add' first)`);
    if (s.id === repo.keySlot?.id && !flag(p, 'force')) {
      throw new CofferError(ErrorCode.Usage, `key ${shortId(s)} is the one this run opened ${display} with: give --force to remove it anyway (another key must then open the store)`);
    }
    configSlotChangeable(repo.config, s, display);
    const lock = await lockStore(ctx, repo, 'key remove', true);
    try {
      const successor = s.where === 'config' ? slots.find((x) => x.where === 'file') : undefined;
      const cfg = await removeSlot(repo.backend, repo.config, repo.keys, s, successor);
      if (cfg !== repo.config) remember(ctx, repo, display, cfg);
      ctx.out(json ? JSON.stringify({ type: 'key-removed', id: s.id }) : `removed key ${shortId(s)} from ${display}`);
    } finally {
      await lock.release();
    }
    return 0;
  });
}

async function passwd(ctx: Context, p: Parsed, json: boolean): Promise<number> {
  return withKeys(ctx, async (repo, slots, display) => {
    const s = p.args[1] === undefined ? repo.keySlot : pick(slots, p.args[1]);
    if (!s) throw new CofferError(ErrorCode.Internal, 'no key slot opened the store');
    configSlotChangeable(repo.config, s, display);
    const pass = await newPassphrase(ctx, p, display);
    const lock = await lockStore(ctx, repo, 'key passwd', true);
    try {
      let now: string;
      if (s.where === 'config') {
        const w = await wrapMasterKeys(repo.keys, repo.config.version, repo.config.id, pass, repo.config.encryption?.kdf);
        const cfg = await replaceConfigSlot(repo.backend, repo.config, repo.keys, w);
        remember(ctx, repo, display, cfg);
        now = 'config';
      } else {
        // The new file first: a crash in between leaves both passphrases working, never none.
        const added = await addSlot(repo.backend, repo.config, repo.keys, pass, origin());
        await repo.backend.remove('key', s.id);
        now = added.id;
      }
      ctx.out(json ? JSON.stringify({ type: 'key-changed', id: s.id, now }) : `changed the passphrase of key ${shortId(s)} of ${display}${now === 'config' ? '' : ` (now key ${now.slice(0, 8)})`}`);
    } finally {
      await lock.release();
    }
    return 0;
  });
}

export const keyVerb: Verb = {
  name: 'key',
  usage: USAGE,
  needsStore: true,
  flags: { json: 'bool', force: 'bool', 'new-passphrase-file': 'string' },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'key');
    const json = flag(p, 'json');
    switch (p.args[0]) {
      case 'list':
        expectArgs(p, 1, 1, USAGE);
        return list(ctx, json);
      case 'add':
        expectArgs(p, 1, 1, USAGE);
        return add(ctx, p, json);
      case 'remove':
      case 'rm':
        expectArgs(p, 2, 2, USAGE);
        return remove(ctx, p, json);
      case 'passwd':
        expectArgs(p, 1, 2, USAGE);
        return passwd(ctx, p, json);
      default: {
        const hint = p.args[0] === undefined ? '' : didYouMean(p.args[0], ['list', 'add', 'remove', 'passwd'], (c) => `'key ${c}'`);
        throw new CofferError(ErrorCode.Usage, `${p.args[0] === undefined ? '' : `unknown key command '${p.args[0]}';${hint} `}usage: ${USAGE}`);
      }
    }
  },
};
