/**
 * The deterministic "5% change" applied to a copy of the dataset between the second and
 * third backup: log lines appended to some log files, random bytes appended to some
 * small files, 16 bytes overwritten in the middle of the largest random files, and new
 * random files under new/.
 */
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeAll } from './fsutil.js';
import { PROFILES, logPath, newPath, randomPath, smallPath, type Profile, type RandomClass } from './profile.js';
import { Prng } from './prng.js';
import { randomBytesFor, writeRandomFile } from './randbytes.js';
import { LogWriter, writeLines } from './text.js';

/** What the modification did. */
export interface ModifyResult {
  readonly filesChanged: number;
  readonly filesAdded: number;
  readonly bytesWritten: number;
}

/** The largest random files, in order, `count` of them. */
function biggestRandom(prof: Profile, count: number): string[] {
  const out: string[] = [];
  const classes: readonly RandomClass[] = prof.random;
  for (const cls of classes) {
    for (let i = 0; i < cls.count && out.length < count; i++) out.push(randomPath(cls, i));
  }
  return out;
}

/** Applies the modification of profile `name` to the dataset copy at `dir`. */
export function applyModification(name: Profile['name'], dir: string): ModifyResult {
  const prof = PROFILES[name];
  const spec = prof.modify;
  const p = new Prng(`${prof.seed}:modify`);
  let changed = 0;
  let written = 0;

  for (const i of p.sample(prof.logFiles, spec.logs)) {
    const rel = logPath(i);
    const w = new LogWriter(new Prng(`${prof.seed}:modify:${rel}`), Date.UTC(2024, 6, 1) + i * 3_600_000);
    written += writeLines(join(dir, rel), spec.logBytes, () => w.line(), true);
    changed++;
  }

  const smallCount = prof.smallDirs * prof.smallPerDir;
  for (const k of p.sample(smallCount, spec.smallAppends)) {
    const rel = smallPath(Math.floor(k / prof.smallPerDir), k % prof.smallPerDir);
    writeRandomFile(join(dir, rel), `${prof.seed}:modify:${rel}`, spec.appendBytes, true);
    written += spec.appendBytes;
    changed++;
  }

  for (const rel of biggestRandom(prof, spec.bigOverwrites)) {
    const abs = join(dir, rel);
    const middle = Math.floor(statSync(abs).size / 2);
    const fd = openSync(abs, 'r+');
    try {
      written += writeAll(fd, randomBytesFor(`${prof.seed}:modify:${rel}`, 16), middle);
    } finally {
      closeSync(fd);
    }
    changed++;
  }

  mkdirSync(join(dir, 'new'), { recursive: true });
  for (let i = 0; i < spec.newFiles; i++) {
    const rel = newPath(i);
    writeRandomFile(join(dir, rel), `${prof.seed}:modify:${rel}`, spec.newFileBytes);
    written += spec.newFileBytes;
  }

  return { filesChanged: changed, filesAdded: spec.newFiles, bytesWritten: written };
}
