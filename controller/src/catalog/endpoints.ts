/**
 * Stores, sources and destinations: named locations with connector options. Store
 * passphrases are sealed with the SecretBox (never stored in clear); sources and
 * destinations belong to the agent that reaches them.
 */
import type { Destination, Store } from '@coffer/shared/gen/coffer/v1/controller.js';
import { prepared, type Db } from './db.js';
import { parseJson } from './json.js';
import type { SecretBox } from './secret-box.js';

interface StoreRow {
  name: string;
  location: string;
  options: string;
  passphrase_enc: Buffer | null;
  passphrase_on_agent: number;
  created_ms: number;
}

interface PlaceRow {
  name: string;
  location: string;
  agent: string;
  options: string;
  created_ms: number;
}

function storeOf(r: StoreRow): Store {
  return {
    name: r.name,
    location: r.location,
    options: parseJson<Record<string, string>>(r.options, {}),
    hasPassphrase: r.passphrase_enc !== null,
    passphraseOnAgent: r.passphrase_on_agent === 1,
    createdMs: r.created_ms,
  };
}

function placeOf(r: PlaceRow): Destination {
  return { name: r.name, location: r.location, agent: r.agent, options: parseJson<Record<string, string>>(r.options, {}), createdMs: r.created_ms };
}

/** The store table. */
export class StoreTable {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** False when the name is taken. */
  add(s: { name: string; location: string; options: Record<string, string>; passphrase: string; passphraseOnAgent: boolean; nowMs: number }): boolean {
    const sealed = s.passphrase !== '' ? this.box.seal(s.passphrase, `store:${s.name}`) : null;
    const r = prepared(this.db, 'INSERT OR IGNORE INTO stores (name, location, options, passphrase_enc, passphrase_on_agent, created_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(s.name, s.location, JSON.stringify(s.options), sealed, s.passphraseOnAgent ? 1 : 0, s.nowMs);
    return r.changes === 1;
  }

  get(name: string): Store | undefined {
    const r = prepared(this.db, 'SELECT * FROM stores WHERE name = ?').get(name) as StoreRow | undefined;
    return r ? storeOf(r) : undefined;
  }

  /** The store's passphrase in clear (only to send it to the agent that runs a job). */
  passphrase(name: string): string | undefined {
    const r = prepared(this.db, 'SELECT passphrase_enc FROM stores WHERE name = ?').get(name) as { passphrase_enc: Buffer | null } | undefined;
    return r?.passphrase_enc ? this.box.open(r.passphrase_enc, `store:${name}`) : undefined;
  }

  list(): Store[] {
    return (prepared(this.db, 'SELECT * FROM stores ORDER BY name').all() as StoreRow[]).map(storeOf);
  }

  /**
   * Replaces a store's location and options; `passphrase` '' keeps the sealed one (unless
   * `passphraseOnAgent`, which drops it). False when the store does not exist.
   */
  update(s: { name: string; location: string; options: Record<string, string>; passphrase: string; passphraseOnAgent: boolean }): boolean {
    const sealed = s.passphrase !== '' ? this.box.seal(s.passphrase, `store:${s.name}`) : null;
    const r = prepared(
      this.db,
      `UPDATE stores SET location = ?, options = ?, passphrase_on_agent = ?,
         passphrase_enc = CASE WHEN ? = 1 THEN NULL ELSE COALESCE(?, passphrase_enc) END WHERE name = ?`,
    ).run(s.location, JSON.stringify(s.options), s.passphraseOnAgent ? 1 : 0, s.passphraseOnAgent ? 1 : 0, sealed, s.name);
    return r.changes === 1;
  }

  remove(name: string): boolean {
    return prepared(this.db, 'DELETE FROM stores WHERE name = ?').run(name).changes === 1;
  }
}

/** A table of sources or of destinations (same shape). */
export class PlaceTable {
  constructor(
    private readonly db: Db,
    private readonly table: 'sources' | 'destinations',
  ) {}

  add(p: { name: string; location: string; agent: string; options: Record<string, string>; nowMs: number }): boolean {
    const r = prepared(this.db, `INSERT OR IGNORE INTO ${this.table} (name, location, agent, options, created_ms) VALUES (?, ?, ?, ?, ?)`)
      .run(p.name, p.location, p.agent, JSON.stringify(p.options), p.nowMs);
    return r.changes === 1;
  }

  get(name: string): Destination | undefined {
    const r = prepared(this.db, `SELECT * FROM ${this.table} WHERE name = ?`).get(name) as PlaceRow | undefined;
    return r ? placeOf(r) : undefined;
  }

  list(): Destination[] {
    return (prepared(this.db, `SELECT * FROM ${this.table} ORDER BY name`).all() as PlaceRow[]).map(placeOf);
  }

  /** Replaces location, agent and options; false when it does not exist. */
  update(p: { name: string; location: string; agent: string; options: Record<string, string> }): boolean {
    return prepared(this.db, `UPDATE ${this.table} SET location = ?, agent = ?, options = ? WHERE name = ?`).run(p.location, p.agent, JSON.stringify(p.options), p.name).changes === 1;
  }

  remove(name: string): boolean {
    return prepared(this.db, `DELETE FROM ${this.table} WHERE name = ?`).run(name).changes === 1;
  }
}
