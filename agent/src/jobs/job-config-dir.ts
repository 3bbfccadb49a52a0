/**
 * The private configuration a job's coffer process runs with: a fresh folder under
 * `<workDir>/tmp/` (0700), used as XDG_CONFIG_HOME, holding `coffer/config.json` (0600,
 * written by the CLI's own user-config code) with the job's store, source and
 * destination as named entries. Removed when the job ends; leftovers of a crashed
 * agent are removed by recoverInterruptedJobs. Never holds a passphrase.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type UserConfig, writeConfig } from '../cli/user-config.js';

/** Folder of the temporary config folders, under the agent's data folder. */
export const JOB_TMP_DIR = 'tmp';

/** A job's config folder. */
export interface JobConfigDir {
  /** The value for XDG_CONFIG_HOME. */
  readonly xdgConfigHome: string;
  /** Removes the folder (idempotent, never throws). */
  remove(): void;
}

/** Creates the folder and writes `config` into it. */
export function createJobConfigDir(workDir: string, jobId: string, config: UserConfig): JobConfigDir {
  const base = path.join(workDir, JOB_TMP_DIR);
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  const safe = jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  const dir = fs.mkdtempSync(path.join(base, `job-${safe}-`));
  fs.chmodSync(dir, 0o700);
  const remove = (): void => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: recoverInterruptedJobs removes leftovers
    }
  };
  try {
    writeConfig(config, { XDG_CONFIG_HOME: dir });
  } catch (err) {
    remove();
    throw err;
  }
  return { xdgConfigHome: dir, remove };
}
