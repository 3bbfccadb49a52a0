/**
 * The catalog's schema, as numbered migrations applied in order inside one transaction
 * each; `PRAGMA user_version` records the last one applied. Never edit a published
 * migration: add the next one.
 */

/** Migrations; index i brings the schema from version i to i+1. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    labels TEXT NOT NULL DEFAULT '{}',
    version TEXT NOT NULL DEFAULT '',
    hostname TEXT NOT NULL DEFAULT '',
    max_jobs INTEGER NOT NULL DEFAULT 0,
    local_stores TEXT NOT NULL DEFAULT '[]',
    cert_serial TEXT NOT NULL,
    cert_expires_ms INTEGER NOT NULL,
    enrolled_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL DEFAULT 0,
    revoked_ms INTEGER
  );
  CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms INTEGER,
    used_by TEXT
  );
  CREATE TABLE stores (
    name TEXT PRIMARY KEY,
    location TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    passphrase_enc BLOB,
    passphrase_on_agent INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
  );
  CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    location TEXT NOT NULL,
    agent TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    created_ms INTEGER NOT NULL
  );
  CREATE TABLE destinations (
    name TEXT PRIMARY KEY,
    location TEXT NOT NULL,
    agent TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    created_ms INTEGER NOT NULL
  );
  CREATE TABLE schedules (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    next_run_ms INTEGER,
    last_run_ms INTEGER,
    anchor_ms INTEGER,
    last_job_id TEXT NOT NULL DEFAULT '',
    runs INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
  );
  CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind INTEGER NOT NULL,
    spec TEXT NOT NULL,
    state INTEGER NOT NULL,
    agent TEXT NOT NULL DEFAULT '',
    store TEXT NOT NULL DEFAULT '',
    attempt INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    schedule TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL,
    started_ms INTEGER NOT NULL DEFAULT 0,
    finished_ms INTEGER NOT NULL DEFAULT 0,
    deadline_ms INTEGER NOT NULL,
    not_before_ms INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    progress TEXT,
    result TEXT
  );
  CREATE INDEX jobs_state ON jobs (state);
  CREATE TABLE job_events (
    job_id TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    state INTEGER NOT NULL,
    message TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX job_events_job ON job_events (job_id);
  CREATE TABLE job_logs (
    job_id TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL
  );
  CREATE INDEX job_logs_job ON job_logs (job_id);
  CREATE TABLE snapshots (
    store TEXT NOT NULL,
    id TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    time_ms INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    paths TEXT NOT NULL DEFAULT '[]',
    files INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    added_bytes INTEGER NOT NULL DEFAULT 0,
    job_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (store, id)
  );
  `,
  // 2: a per-job count of stored log lines, so the cap costs one UPDATE instead of a COUNT per line.
  `
  ALTER TABLE jobs ADD COLUMN log_lines INTEGER NOT NULL DEFAULT 0;
  UPDATE jobs SET log_lines = (SELECT COUNT(*) FROM job_logs WHERE job_logs.job_id = jobs.id);
  `,
  // 3: console users (argon2id password hashes, never the passwords).
  `
  CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role INTEGER NOT NULL,
    password_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_login_ms INTEGER NOT NULL DEFAULT 0
  );
  `,
  // 4: the last check of each store (scope '') and of snapshots checked on their own.
  `
  CREATE TABLE checks (
    store TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    time_ms INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    mode TEXT NOT NULL DEFAULT '',
    issues INTEGER NOT NULL DEFAULT 0,
    damaged_snapshots TEXT NOT NULL DEFAULT '[]',
    job_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (store, scope)
  );
  `,
  // 5: how each agent takes its jobs (grpc or nats) and its NATS identity (public keys only).
  `
  ALTER TABLE agents ADD COLUMN transport TEXT NOT NULL DEFAULT 'grpc';
  ALTER TABLE agents ADD COLUMN nats_key TEXT NOT NULL DEFAULT '';
  ALTER TABLE agents ADD COLUMN box_key TEXT NOT NULL DEFAULT '';
  ALTER TABLE agents ADD COLUMN site TEXT NOT NULL DEFAULT '';
  `,
];
