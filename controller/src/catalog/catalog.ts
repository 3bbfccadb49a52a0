/**
 * The controller's catalog: one SQLite database (DATA/catalog.db) holding agents,
 * enrollment tokens, stores, sources, destinations, schedules, jobs with their history
 * and logs, reported snapshots, check outcomes and console users. Each table is its own class; this one opens the
 * database and hands them out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { AgentTable } from './agents.js';
import { CheckTable } from './checks.js';
import { openDb, type Db } from './db.js';
import { PlaceTable, StoreTable } from './endpoints.js';
import { JobTable } from './jobs.js';
import { ScheduleTable } from './schedules.js';
import { SecretBox } from './secret-box.js';
import { SnapshotTable } from './snapshots.js';
import { TokenTable } from './tokens.js';
import { UserTable } from './users.js';

/** Every table of the catalog. */
export class Catalog {
  readonly agents: AgentTable;
  readonly tokens: TokenTable;
  readonly stores: StoreTable;
  readonly sources: PlaceTable;
  readonly destinations: PlaceTable;
  readonly schedules: ScheduleTable;
  readonly jobs: JobTable;
  readonly snapshots: SnapshotTable;
  readonly users: UserTable;
  readonly checks: CheckTable;

  private constructor(readonly db: Db, box: SecretBox) {
    this.agents = new AgentTable(db);
    this.tokens = new TokenTable(db);
    this.stores = new StoreTable(db, box);
    this.sources = new PlaceTable(db, 'sources');
    this.destinations = new PlaceTable(db, 'destinations');
    this.schedules = new ScheduleTable(db);
    this.jobs = new JobTable(db);
    this.snapshots = new SnapshotTable(db);
    this.users = new UserTable(db);
    this.checks = new CheckTable(db);
  }

  /** Opens the catalog in `dataDir` (catalog.db and secret.key), migrating it if needed. */
  static open(dataDir: string): Catalog {
    const keyFile = path.join(dataDir, 'secret.key');
    if (fs.existsSync(path.join(dataDir, 'catalog.db')) && !fs.existsSync(keyFile)) {
      // A new key would make every stored passphrase unreadable: refuse instead.
      throw new CofferError(ErrorCode.Config, `${keyFile} is missing but the catalog exists; restore secret.key from your backup of the controller's data folder`);
    }
    const box = SecretBox.open(keyFile);
    return new Catalog(openDb(path.join(dataDir, 'catalog.db')), box);
  }

  close(): void {
    this.db.close();
  }
}
