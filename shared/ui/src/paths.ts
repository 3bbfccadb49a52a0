/**
 * Builders of the app's URLs (the web layout in docs/ui.md): every path segment is
 * percent-encoded on its own, so names holding "?", "#", "%", spaces or markup stay one
 * segment and round-trip through `matchRoute`; snapshot paths are '/'-separated without a
 * leading '/' ('' is the root); the query keeps only non-empty values.
 */

/** Encodes a '/'-separated snapshot path segment by segment. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
}

/** `?a=1&b=2` of the non-empty values ('' when none). */
export function query(q: Record<string, string | number | boolean | readonly string[] | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === '' || v === false || v === 0) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) p.append(k, x);
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

const seg = encodeURIComponent;

export function storeUrl(store: string): string {
  return `/stores/${seg(store)}`;
}

export function snapshotsUrl(store: string, q: Record<string, string | number | undefined> = {}): string {
  return `${storeUrl(store)}/snapshots${query(q)}`;
}

function withPath(base: string, path: string): string {
  const p = encodePath(path);
  return p ? `${base}/${p}` : base;
}

export function treeUrl(store: string, snapshot: string, path: string, q: Record<string, string | number | boolean | undefined> = {}): string {
  return withPath(`${storeUrl(store)}/snapshots/${seg(snapshot)}/tree`, path) + query(q);
}

export function fileUrl(store: string, snapshot: string, path: string): string {
  return withPath(`${storeUrl(store)}/snapshots/${seg(snapshot)}/file`, path);
}

export function searchUrl(store: string, q: Record<string, string | undefined> = {}): string {
  return `${storeUrl(store)}/search${query(q)}`;
}

export function historyUrl(store: string, path: string, q: Record<string, string | undefined> = {}): string {
  return withPath(`${storeUrl(store)}/history`, path) + query(q);
}

export function diffUrl(store: string, a: string, b: string, path: string): string {
  return withPath(`${storeUrl(store)}/diff/${seg(a)}/${seg(b)}`, path);
}

export function fileDiffUrl(store: string, a: string, b: string, path: string): string {
  return withPath(`${storeUrl(store)}/filediff/${seg(a)}/${seg(b)}`, path);
}

export function checkUrl(store: string): string {
  return `${storeUrl(store)}/check`;
}

export function restoreUrl(store: string, snapshot: string, paths: readonly string[]): string {
  return `${storeUrl(store)}/restore/${seg(snapshot)}${query({ path: paths })}`;
}

/** GET endpoints (served with nosniff and a sandboxing CSP). */
export function downloadFileUrl(store: string, snapshot: string, path: string): string {
  return `/download/file${query({ store, snapshot, path })}`;
}

export function previewFileUrl(store: string, snapshot: string, path: string): string {
  return `/preview/file${query({ store, snapshot, path })}`;
}

export function archiveUrl(store: string, snapshot: string, paths: readonly string[], format: 'tar' | 'zip'): string {
  return `/download/archive${query({ store, snapshot, path: paths, format })}`;
}

/** The last name of a path ('' for the root). */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** `a/b` + `c` → `a/b/c`. */
export function joinPath(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}
