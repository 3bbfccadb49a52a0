/** Command-line options of the benchmark: --tools, --reps, --size, --json, --help. */
import { parseArgs } from 'node:util';
import { BenchError, messageOf } from './errors.js';
import type { Profile } from './profile.js';
import { TOOL_NAMES, type ToolName } from './tools.js';

const EXIT_USAGE = 2;
const MAX_REPS = 100;

/** Parsed options. */
export interface Options {
  readonly tools: ToolName[];
  readonly reps: number;
  readonly size: Profile['name'];
  readonly json: string | undefined;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  --tools LIST   comma-separated tools to run: coffer,restic (default both)
  --reps N       runs per tool; the report shows the median of each step (default 1)
  --size SIZE    full (~1 GiB dataset, default) or small (~100 MB, for quick runs)
  --json FILE    also write raw results as JSON to FILE
  --help         show this help`;

function usage(message: string): BenchError {
  return new BenchError(`${message} (try --help)`, EXIT_USAGE);
}

function parseTools(text: string): ToolName[] {
  const out: ToolName[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim();
    const tool = TOOL_NAMES.find((t) => t === name);
    if (tool === undefined) throw usage(`unknown tool "${name}" in --tools; expected ${TOOL_NAMES.join(', ')}`);
    if (!out.includes(tool)) out.push(tool);
  }
  return out;
}

/** Parses `argv` (without node and script); throws a usage {@link BenchError} on bad input. */
export function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        tools: { type: 'string', default: TOOL_NAMES.join(',') },
        reps: { type: 'string', default: '1' },
        size: { type: 'string', default: 'full' },
        json: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw usage(messageOf(err));
  }
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1 || reps > MAX_REPS) throw usage(`--reps must be an integer from 1 to ${MAX_REPS}, got "${values.reps}"`);
  const size = values.size;
  if (size !== 'full' && size !== 'small') throw usage(`--size must be full or small, got "${size}"`);
  return { tools: parseTools(values.tools), reps, size, json: values.json, help: values.help };
}
