/** Command-line options of `npm run bench`: the dataset benchmark and the scale case (--scale). */
import { BACKEND_NAMES, type BackendName } from './backends.js';
import { intFlag, parseFlags, usage } from './flags.js';
import type { Profile } from './profile.js';
import { TOOL_NAMES, type ToolName } from './tools.js';
import { MIN_REPS } from './verdict.js';

const MAX_REPS = 100;
const DEFAULT_SCALE_FILES = 1_000_000;
const DEFAULT_SCALE_DIRS = 10_000;
/** File and folder names are padded to 7 and 5 digits (scale-layout.ts). */
const MAX_SCALE_FILES = 9_999_999;
const MAX_SCALE_DIRS = 99_999;

/** Parsed options. */
export interface Options {
  readonly tools: ToolName[];
  readonly backends: BackendName[];
  /** Runs per tool (and scenario), alternating coffer, restic, restic, coffer, … */
  readonly reps: number;
  /** Smoke run: allows --reps below {@link MIN_REPS} (no target is then called met). */
  readonly quick: boolean;
  readonly size: Profile['name'];
  /** The 1,000,000-file scale case instead of the dataset benchmark. */
  readonly scale: boolean;
  readonly scaleFiles: number;
  readonly scaleDirs: number;
  readonly json: string | undefined;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
Coffer beside restic (issue 10's benchmark rules): each tool runs --reps times,
alternating (coffer, restic, restic, coffer, ...); the report gives the best of each
tool per step with every rep's figures beside it, judges every target as met or missed
and by how much, prints the load average (1, 5, 15 min) before and after, and calls no
target met when the 1-minute load at the start was above 1.5 ("machine busy, rerun").
Every restore is verified byte for byte and by metadata; a mismatch fails the run.

  --tools LIST        comma-separated tools to run: coffer,restic (default both)
  --backends LIST     comma-separated scenarios, run in this order (default all):
                        local        store and source on local disk
                        sftp         store on a loopback OpenSSH server (sshd on 127.0.0.1)
                        sftp-source  coffer backs up an sftp:// source into a local store;
                                     restic, which has no SFTP source, reads the files locally
  --reps N            runs per tool and scenario, at least ${MIN_REPS} (default ${MIN_REPS})
  --quick             smoke run: allows --reps 1 or 2 (no target is called met then)
  --size SIZE         full (~1.3 GB dataset, default) or small (~135 MB, for quick runs)
  --scale             the scale case instead: ${DEFAULT_SCALE_FILES.toLocaleString('en-US')} files of a few bytes in ${DEFAULT_SCALE_DIRS.toLocaleString('en-US')}
                      folders (made once, kept in bench/work), local stores only; steps
                      create, initial backup, no-change backup, ls --recursive, restore
                      (verified), each with wall time and peak RSS; not part of npm test
  --scale-files N     files in the scale case (default ${DEFAULT_SCALE_FILES})
  --scale-dirs N      folders they are spread over (default ${DEFAULT_SCALE_DIRS}, at most N files)
  --json FILE         also write raw results and verdicts as JSON to FILE
  --help              show this help
  --index ...         (first) measure the in-memory index instead: --index --help`;

/** The names in a comma-separated `text`, each one of `allowed`, without repeats, in the order given. */
function parseList<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const out: T[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim();
    const found = allowed.find((t) => t === name);
    if (found === undefined) throw usage(`unknown name "${name}" in ${flag}; expected ${allowed.join(', ')}`);
    if (!out.includes(found)) out.push(found);
  }
  return out;
}

/** Parses `argv` (without node and script); throws a usage {@link BenchError} on bad input. */
export function parseOptions(argv: string[]): Options {
  const values = parseFlags(argv, {
    tools: { type: 'string', default: TOOL_NAMES.join(',') },
    backends: { type: 'string' },
    reps: { type: 'string', default: String(MIN_REPS) },
    quick: { type: 'boolean', default: false },
    size: { type: 'string', default: 'full' },
    scale: { type: 'boolean', default: false },
    'scale-files': { type: 'string' },
    'scale-dirs': { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  const quick = values.quick;
  const reps = intFlag(values.reps, '--reps', 1, MAX_REPS);
  if (reps < MIN_REPS && !quick) throw usage(`--reps must be at least ${MIN_REPS} (issue 10: best of three); add --quick for a smoke run`);
  const size = values.size;
  if (size !== 'full' && size !== 'small') throw usage(`--size must be full or small, got "${size}"`);
  const scale = values.scale;
  if (!scale && (values['scale-files'] !== undefined || values['scale-dirs'] !== undefined)) throw usage('--scale-files and --scale-dirs need --scale');
  if (scale && values.backends !== undefined && values.backends !== 'local') throw usage('--scale runs on local stores only: drop --backends');
  const scaleFiles = values['scale-files'] === undefined ? DEFAULT_SCALE_FILES : intFlag(values['scale-files'], '--scale-files', 1, MAX_SCALE_FILES);
  const dirsDefault = Math.min(DEFAULT_SCALE_DIRS, scaleFiles);
  const scaleDirs = values['scale-dirs'] === undefined ? dirsDefault : intFlag(values['scale-dirs'], '--scale-dirs', 1, Math.min(scaleFiles, MAX_SCALE_DIRS));
  return {
    tools: parseList(values.tools, TOOL_NAMES, '--tools'),
    backends: scale ? ['local'] : parseList(values.backends ?? BACKEND_NAMES.join(','), BACKEND_NAMES, '--backends'),
    reps,
    quick,
    size,
    scale,
    scaleFiles,
    scaleDirs,
    json: values.json,
    help: values.help,
  };
}
