/** Command-line options of the benchmark: --tools, --backends, --reps, --size, --json, --help. */
import { BACKEND_NAMES, type BackendName } from './backends.js';
import { parseFlags, usage } from './flags.js';
import type { Profile } from './profile.js';
import { TOOL_NAMES, type ToolName } from './tools.js';

const MAX_REPS = 100;

/** Parsed options. */
export interface Options {
  readonly tools: ToolName[];
  readonly backends: BackendName[];
  readonly reps: number;
  readonly size: Profile['name'];
  readonly json: string | undefined;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  --tools LIST     comma-separated tools to run: coffer,restic (default both)
  --backends LIST  comma-separated scenarios, run in this order (default all):
                     local        store and source on local disk
                     sftp         store on a loopback OpenSSH server (sshd on 127.0.0.1)
                     sftp-source  coffer backs up an sftp:// source into a local store;
                                  restic, which has no SFTP source, reads the files locally
  --reps N         runs per tool and scenario; the report shows the median of each step (default 1)
  --size SIZE      full (~1 GiB dataset, default) or small (~100 MB, for quick runs)
  --json FILE      also write raw results as JSON to FILE
  --help           show this help
  --index ...      (first) measure the in-memory index instead: --index --help`;

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
    backends: { type: 'string', default: BACKEND_NAMES.join(',') },
    reps: { type: 'string', default: '1' },
    size: { type: 'string', default: 'full' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1 || reps > MAX_REPS) throw usage(`--reps must be an integer from 1 to ${MAX_REPS}, got "${values.reps}"`);
  const size = values.size;
  if (size !== 'full' && size !== 'small') throw usage(`--size must be full or small, got "${size}"`);
  return {
    tools: parseList(values.tools, TOOL_NAMES, '--tools'),
    backends: parseList(values.backends, BACKEND_NAMES, '--backends'),
    reps,
    size,
    json: values.json,
    help: values.help,
  };
}
