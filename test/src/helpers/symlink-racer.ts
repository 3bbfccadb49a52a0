/**
 * The attacker of the restore-redirection test, run as its own process (as the user who
 * owns the restore target): polls the target's top-level entries and, for every
 * directory it has not seen, renames it away (to `.away-N-<name>`, inside the target)
 * and puts a symlink to OUTSIDE in its place. Bounded: stops after MAX_MS milliseconds,
 * MAX_SWAPS swaps, 50 million polls, or when STOP_FILE exists. Prints the swaps done
 * as one JSON line. Usage: node symlink-racer.js TARGET OUTSIDE STOP_FILE MAX_MS MAX_SWAPS
 * (prints "ready" first).
 */
import fs from 'node:fs';
import path from 'node:path';

const [target, outside, stopFile, maxMsArg, maxSwapsArg] = process.argv.slice(2);
if (!target || !outside || !stopFile) throw new Error('usage: symlink-racer TARGET OUTSIDE STOP_FILE MAX_MS MAX_SWAPS');
const deadline = Date.now() + Number(maxMsArg ?? 60_000);
const maxSwaps = Number(maxSwapsArg ?? 1000);
const swapped: string[] = [];
const seen = new Set<string>();
process.stdout.write('ready\n');
for (let poll = 0; poll < 50_000_000 && swapped.length < maxSwaps; poll++) {
  if (poll % 256 === 0 && (Date.now() > deadline || fs.existsSync(stopFile))) break;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(target, { withFileTypes: true });
  } catch {
    continue;
  }
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.') || seen.has(e.name)) continue;
    seen.add(e.name);
    try {
      fs.renameSync(path.join(target, e.name), path.join(target, `.away-${swapped.length}-${e.name}`));
      fs.symlinkSync(outside, path.join(target, e.name));
      swapped.push(e.name);
    } catch {
      // lost a race with the restore (or the name went away): try the next one
    }
  }
}
process.stdout.write(`${JSON.stringify({ swapped })}\n`);
