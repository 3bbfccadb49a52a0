/**
 * Checking archives made by ReadArchive with other programs: streaming a FileChunk
 * stream into a file while watching the process's RSS, extracting a tar with the
 * system's tar, and listing a zip with python3's zipfile (names as bytes, CRCs tested,
 * content digests). Trees are compared with helpers/tree.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { FileChunk } from '@coffer/shared/gen/coffer/v1/store.js';

/** Writes a FileChunk stream to `file`, checking offsets and piece sizes; returns bytes and the peak RSS growth. */
export async function streamToFile(chunks: AsyncIterable<FileChunk>, file: string): Promise<{ bytes: number; rssGrowth: number }> {
  const fd = fs.openSync(file, 'w');
  const base = process.memoryUsage.rss();
  let peak = base;
  let at = 0;
  let n = 0;
  try {
    for await (const c of chunks) {
      assert.equal(c.offset, at, 'chunks follow each other');
      assert.ok(c.data.length <= 256 * 1024, `a chunk of ${c.data.length} bytes`);
      fs.writeSync(fd, c.data);
      at += c.data.length;
      if (++n % 16 === 0) peak = Math.max(peak, process.memoryUsage.rss());
    }
  } finally {
    fs.closeSync(fd);
  }
  return { bytes: at, rssGrowth: peak - base };
}

/** A zip entry as python3's zipfile reads it. */
export interface ZipListing {
  readonly bad: string | null;
  readonly entries: { name: string; mode: number; size: number; sha: string; utf8: boolean }[];
}

const LIST_ZIP = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
out = []
for i in z.infolist():
    utf8 = bool(i.flag_bits & 0x800)
    h = hashlib.sha256()
    with z.open(i) as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    out.append({'name': i.filename.encode('utf-8' if utf8 else 'cp437').hex(), 'mode': i.external_attr >> 16, 'size': i.file_size, 'sha': h.hexdigest(), 'utf8': utf8})
print(json.dumps({'bad': bad, 'entries': out}))
`;

/** Lists `file` with python3's zipfile (testzip first: every CRC checked). */
export function listZip(file: string): ZipListing {
  const r = spawnSync('python3', ['-c', LIST_ZIP, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, `python3 zipfile: ${r.stderr}`);
  return JSON.parse(r.stdout) as ZipListing;
}

/** Extracts a tar archive with the system's tar into `dir`. */
export function untar(file: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('tar', ['-xpf', file, '-C', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tar -x: ${r.stderr}`);
}
