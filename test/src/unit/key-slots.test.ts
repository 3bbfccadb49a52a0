/**
 * Key slots (engine/key-slots.ts) on an in-memory store: every slot opens the same
 * master keys; a key file wrapping other keys is refused as tampering, not opened; a
 * damaged key file is skipped; the config keeps a slot that opens the store when its
 * own slot is removed (the successor keeps its id); the MAC follows a rewritten slot.
 * Also the "did you mean" distance the CLI uses for commands and flags.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { addSlot, configSlot, keyFile, listSlots, removeSlot, replaceConfigSlot } from '@coffer/agent/engine/key-slots.js';
import { keyFingerprint } from '@coffer/agent/engine/config-auth.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import { parseConfig, wrapMasterKeys } from '@coffer/agent/engine/store-config.js';
import { MemoryBackend } from '@coffer/agent/storage/memory-backend.js';
import { didYouMean, editDistance, nearest } from '@coffer/shared/did-you-mean.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { FAST_KDF } from '../helpers/ops-store.js';

const ORIGIN = { created: '2026-01-01T00:00:00.000Z', host: 'h', user: 'u' };
const open = (b: MemoryBackend, pw: string): Promise<Repository> => Repository.open(b, () => Promise.resolve(pw));
const fails = (code: ErrorCode) => (e: unknown): boolean => e instanceof CofferError && e.code === code;

describe('key slots', function () {
  it('every slot opens the same master keys; the slot in use is reported', async () => {
    const b = new MemoryBackend();
    const repo = await Repository.create(b, 'one', { kdf: FAST_KDF });
    const added = await addSlot(b, repo.config, repo.keys, 'two', ORIGIN);
    const byTwo = await open(b, 'two');
    assert.equal(keyFingerprint(byTwo.keys), keyFingerprint(repo.keys));
    assert.equal(byTwo.keySlot?.id, added.id);
    assert.equal((await open(b, 'one')).keySlot?.id, configSlot(repo.config)?.id);
    await assert.rejects(open(b, 'three'), fails(ErrorCode.WrongPassphrase));
  });

  it('a key file wrapping other master keys is refused as tampering', async () => {
    const b = new MemoryBackend();
    const repo = await Repository.create(b, 'one', { kdf: FAST_KDF });
    const other = { data: randomBytes(32), id: randomBytes(32), chunker: randomBytes(32) };
    const w = await wrapMasterKeys(other, repo.config.version, repo.config.id, 'forged', FAST_KDF);
    const f = keyFile(repo.config.id, w, ORIGIN);
    await b.save('key', f.name, f.bytes);
    await assert.rejects(open(b, 'forged'), fails(ErrorCode.Untrusted));
    assert.ok(await open(b, 'one'));
  });

  it('a damaged key file is skipped, not taken for a wrong passphrase', async () => {
    const b = new MemoryBackend();
    const repo = await Repository.create(b, 'one', { kdf: FAST_KDF });
    const s = await addSlot(b, repo.config, repo.keys, 'two', ORIGIN);
    const bytes = await b.load('key', s.id);
    await b.remove('key', s.id);
    bytes.writeUInt8((bytes[bytes.length - 3] as number) ^ 1, bytes.length - 3);
    await b.save('key', s.id, bytes);
    const damaged: string[] = [];
    assert.equal((await listSlots(b, repo.config, (n) => damaged.push(n))).length, 1);
    assert.deepEqual(damaged, [s.id]);
    await assert.rejects(open(b, 'two'), fails(ErrorCode.WrongPassphrase));
  });

  it("removing the config's slot moves a key file into the config, keeping its id; the MAC follows", async () => {
    const b = new MemoryBackend();
    const repo = await Repository.create(b, 'one', { kdf: FAST_KDF });
    const s = await addSlot(b, repo.config, repo.keys, 'two', ORIGIN);
    const first = configSlot(repo.config);
    assert.ok(first);
    const cfg = await removeSlot(b, repo.config, repo.keys, first, s);
    assert.equal(configSlot(cfg)?.id, s.id);
    assert.deepEqual(await b.list('key'), []);
    assert.deepEqual(parseConfig(await b.load('config', ''), 'mem'), cfg);
    await assert.rejects(open(b, 'one'), fails(ErrorCode.WrongPassphrase));
    const reopened = await open(b, 'two');
    assert.equal(reopened.keySlot?.where, 'config');
    const w = await wrapMasterKeys(repo.keys, cfg.version, cfg.id, 'three', FAST_KDF);
    await replaceConfigSlot(b, cfg, repo.keys, w);
    assert.ok(await open(b, 'three'));
    await assert.rejects(open(b, 'two'), fails(ErrorCode.WrongPassphrase));
  });
});

describe('did you mean', function () {
  it('suggests near words only', () => {
    assert.equal(editDistance('bakup', 'backup'), 1);
    assert.equal(editDistance('ovewrite', 'overwrite'), 1);
    assert.equal(editDistance('retsore', 'restore'), 1, 'a swap of neighbours is one edit');
    assert.equal(nearest('recursiv', ['recursive', 'json']), 'recursive');
    assert.equal(nearest('frobnicate', ['backup', 'restore', 'ls']), undefined);
    assert.equal(nearest('lx', ['ls', 'rm']), 'ls');
    assert.equal(nearest('x', ['ls', 'rm']), undefined, 'one letter is near nothing');
    assert.equal(nearest('main', ['maintenance', 'info']), 'maintenance', 'a unique prefix');
    assert.equal(didYouMean('jsn', ['json'], (c) => `--${c}`), ' did you mean --json?');
    assert.equal(didYouMean('zzzz', ['json']), '');
  });
});
