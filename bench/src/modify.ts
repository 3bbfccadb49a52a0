/**
 * The deterministic change applied to a copy of the dataset between the second and
 * third backup: log lines appended to some log files and rows to some CSV tables, random
 * bytes appended to some small files, 16 bytes overwritten in the middle of the largest
 * random files, the disk image shifted (random bytes inserted at its start), small text
 * files edited in the middle, new small text files, and new random files under new/
 * (issue 10: "image shifted by 1,000 bytes, appends, 100 small files edited, 50 new
 * files").
 */
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAll } from './fsutil.js';
import { CsvWriter } from './csv.js';
import { IMAGE_PATH, PROFILES, csvPath, logPath, newPath, newSmallPath, randomPath, smallPath, type Profile, type RandomClass } from './profile.js';
import { Prng } from './prng.js';
import { randomBytesFor, writeRandomFile } from './randbytes.js';
import { LogWriter, sourceText, writeLines } from './text.js';

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

/** Inserts `n` random bytes at the start of the file at `abs`; returns the bytes written. */
function shiftFile(abs: string, label: string, n: number): number {
  const old = readFileSync(abs);
  const fd = openSync(abs, 'w');
  try {
    return writeAll(fd, randomBytesFor(label, n)) + writeAll(fd, old);
  } finally {
    closeSync(fd);
  }
}

/** Replaces the line in the middle of the file at `abs` by a longer one (bytes around it kept as they are); returns the file's new size. */
function editText(abs: string, p: Prng, i: number): number {
  const NL = 0x0a;
  const old = readFileSync(abs);
  const mid = old.indexOf(NL, Math.floor(old.length / 2));
  const start = mid < 0 ? old.length : mid + 1;
  const endAt = old.indexOf(NL, start);
  const end = endAt < 0 ? old.length : endAt + 1;
  const line = Buffer.from(`// edited (change ${i}): ${p.u32().toString(16)} ${p.u32().toString(16)} ${p.u32().toString(16)}\n`);
  const edited = Buffer.concat([old.subarray(0, start), line, old.subarray(end)]);
  writeFileSync(abs, edited);
  return edited.length;
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

  written += shiftFile(join(dir, IMAGE_PATH), `${prof.seed}:modify:${IMAGE_PATH}`, spec.imageShift);
  changed++;

  for (const i of p.sample(prof.issue.csvFiles, spec.csvAppends)) {
    const rel = csvPath(i);
    const w = new CsvWriter(new Prng(`${prof.seed}:modify:${rel}`), (i + 1) * 10_000_000 - 1_000_000, Date.UTC(2025, i, 1));
    written += writeLines(join(dir, rel), spec.csvAppendBytes, () => w.row(), true);
    changed++;
  }

  // Text files are the even-numbered ones in each small/ folder (see smallPath).
  const textPerDir = Math.ceil(prof.smallPerDir / 2);
  for (const k of p.sample(prof.smallDirs * textPerDir, spec.smallEdits)) {
    const rel = smallPath(Math.floor(k / textPerDir), 2 * (k % textPerDir));
    written += editText(join(dir, rel), new Prng(`${prof.seed}:modify:${rel}`), k);
    changed++;
  }

  for (let i = 0; i < spec.newSmall; i++) {
    const rel = newSmallPath(prof, i);
    const q = new Prng(`${prof.seed}:modify:${rel}`);
    const text = sourceText(q, q.logNormal(prof.smallMedian, prof.smallSigma, prof.smallMin, prof.smallMax));
    writeFileSync(join(dir, rel), text);
    written += Buffer.byteLength(text);
  }

  mkdirSync(join(dir, 'new'), { recursive: true });
  for (let i = 0; i < spec.newFiles; i++) {
    const rel = newPath(i);
    writeRandomFile(join(dir, rel), `${prof.seed}:modify:${rel}`, spec.newFileBytes);
    written += spec.newFileBytes;
  }

  return { filesChanged: changed, filesAdded: spec.newFiles + spec.newSmall, bytesWritten: written };
}
