/**
 * The config's MAC under the master keys (format version 2): any field changed without
 * the keys (with its unkeyed checksum fixed up) is refused; a version 2 config cannot
 * shed its MAC by claiming version 1, nor a version 1 config claim version 2; the
 * version 1 fixture, which has no MAC, still opens.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { canonicalJson, configMac, keyFingerprint } from '@coffer/agent/engine/config-auth.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import { MemoryBackend } from '@coffer/agent/storage/memory-backend.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { withFixedChecksum as withChecksum } from '../helpers/store-forgery.js';
import { fixture } from './fixtures.js';

const FAST_KDF = { opslimit: 1, memlimit: 8 * 1024 * 1024 };
const PW = 'pw';

type Json = Record<string, unknown>;

async function storeWithConfig(bytes: Buffer): Promise<MemoryBackend> {
  const b = new MemoryBackend();
  await b.init();
  await b.save('config', '', bytes);
  return b;
}

async function newConfig(): Promise<Json> {
  const b = new MemoryBackend();
  await Repository.create(b, PW, { kdf: FAST_KDF });
  return JSON.parse((await b.load('config', '')).toString('utf8')) as Json;
}

async function openCode(bytes: Buffer, pw = PW): Promise<ErrorCode | 'ok'> {
  try {
    await Repository.open(await storeWithConfig(bytes), () => Promise.resolve(pw));
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof CofferError, String(err));
    return err.code;
  }
}

describe('authenticated store config (format version 2)', () => {
  it('a new encrypted store has the current version (3) and a MAC, and opens', async () => {
    const cfg = await newConfig();
    assert.equal(cfg.version, 3);
    assert.match(String(cfg.mac), /^[0-9a-f]{64}$/);
    assert.equal(await openCode(withChecksum(cfg)), 'ok');
  });

  const edits: [string, (c: Json) => void][] = [
    ['compression level changed', (c) => ((c.compression as Json).level = 19)],
    ['compression switched off', (c) => (c.compression = null)],
    ['chunker min changed', (c) => ((c.chunker as Json).min = 262144)],
    ['pack size changed', (c) => (c.packSize = 1024 * 1024)],
    ['creation time changed', (c) => (c.created = '2020-01-01T00:00:00.000Z')],
    ['a field added', (c) => (c.extra = 1)],
    ['MAC removed', (c) => delete c.mac],
    ['version 1 claimed, MAC removed', (c) => ((c.version = 1), delete c.mac)],
    ['version 2 claimed (a format without split trees)', (c) => (c.version = 2)],
    ['version 1 claimed, MAC kept', (c) => (c.version = 1)],
  ];
  for (const [what, edit] of edits) {
    it(`refuses a forged config (${what}) whose checksum was fixed up: Untrusted, exit 14`, async () => {
      const cfg = await newConfig();
      edit(cfg);
      assert.equal(await openCode(withChecksum(cfg)), ErrorCode.Untrusted);
    });
  }

  it('refuses changed KDF parameters (the keys no longer open: wrong passphrase)', async () => {
    const cfg = await newConfig();
    ((cfg.encryption as Json).kdf as Json).opslimit = 2;
    assert.equal(await openCode(withChecksum(cfg)), ErrorCode.WrongPassphrase);
  });

  it('refuses a version 1 config that claims version 2 (its keys name no version)', async () => {
    const v1 = JSON.parse(fs.readFileSync(fixture('store-v1', 'config'), 'utf8')) as Json;
    assert.equal(await openCode(withChecksum(v1), 'fixture-passphrase'), 'ok', 'the v1 fixture config, re-serialised, opens');
    v1.version = 2;
    assert.equal(await openCode(withChecksum(v1), 'fixture-passphrase'), ErrorCode.Untrusted);
  });

  it('canonical JSON sorts keys at every level; the MAC does not depend on key order or the checksum', async () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: null, e: 'x' }], c: true } }), '{"a":{"c":true,"d":[1,{"e":"x","f":null}]},"b":1}');
    const b = new MemoryBackend();
    const repo = await Repository.create(b, PW, { kdf: FAST_KDF });
    const cfg = JSON.parse((await b.load('config', '')).toString('utf8')) as Json;
    const reversed = Object.fromEntries(Object.entries(cfg).reverse());
    assert.equal(configMac(reversed, repo.keys), cfg.mac);
    assert.equal(configMac({ ...cfg, checksum: 'x' }, repo.keys), cfg.mac);
  });

  it('key fingerprints are stable per key set, differ between stores, and are not the keys', async () => {
    const a = await Repository.create(new MemoryBackend(), PW, { kdf: FAST_KDF });
    const b = await Repository.create(new MemoryBackend(), PW, { kdf: FAST_KDF });
    assert.equal(keyFingerprint(a.keys), keyFingerprint({ ...a.keys }));
    assert.notEqual(keyFingerprint(a.keys), keyFingerprint(b.keys));
    for (const k of [a.keys.data, a.keys.id, a.keys.chunker]) assert.ok(!keyFingerprint(a.keys).includes(k?.toString('hex') ?? '-'));
  });
});
