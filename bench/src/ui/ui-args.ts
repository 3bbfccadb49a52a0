/** Command-line options of `npm run bench:ui`. */
import { intFlag, parseFlags } from '../flags.js';

export interface UiOptions {
  /** Entries of the big folder. */
  readonly entries: number;
  /** MB (10^6 bytes) of the folder downloaded as tar. */
  readonly dataMb: number;
  /** Listings of pages after the first. */
  readonly listings: number;
  /** Entries per page. */
  readonly pageSize: number;
  /** Also measure listings through a controller and an agent. */
  readonly console: boolean;
  readonly work: string | undefined;
  readonly json: string | undefined;
  readonly help: boolean;
}

export const UI_USAGE = `usage: npm run bench:ui -- [options]
The local viewer (coffer at STORE ui) on a store with one big folder and a data folder:
the first listing of the big folder, p50/p95 of listings of its later pages, and a tar
download of the data folder (MB/s, peak RSS growth of the serving process); then the
listings again through a real controller and agent (the console's path).
  --entries N      entries of the big folder (default 100000)
  --data-mb N      size of the data folder downloaded as tar, in MB (default 500)
  --listings N     listings of later pages measured (default 50)
  --page-size N    entries per page (default 200, the viewer's)
  --no-console     skip the listings through a controller and an agent (the console leg)
  --work DIR       where the dataset and store are kept between runs (default bench/work/ui)
  --json FILE      also write the results as JSON to FILE
  --help           show this help`;

/** Parses `argv` (without node and script); a usage BenchError on bad input. */
export function parseUiOptions(argv: string[]): UiOptions {
  const v = parseFlags(argv, {
    entries: { type: 'string', default: '100000' },
    'data-mb': { type: 'string', default: '500' },
    listings: { type: 'string', default: '50' },
    'page-size': { type: 'string', default: '200' },
    'no-console': { type: 'boolean', default: false },
    work: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  return {
    entries: intFlag(v.entries, '--entries', 1, 2_000_000),
    dataMb: intFlag(v['data-mb'], '--data-mb', 1, 100_000),
    listings: intFlag(v.listings, '--listings', 1, 10_000),
    pageSize: intFlag(v['page-size'], '--page-size', 1, 5000),
    console: !v['no-console'],
    work: v.work,
    json: v.json,
    help: v.help,
  };
}
