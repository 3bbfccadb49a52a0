/**
 * Small controls shared by the views: a labelled field, a pager of numbered pages (links, so
 * each page has its URL), a sortable column header (aria-sort and a link that flips the
 * order), and a progress bar (<progress>, no inline styles: the page CSP forbids them).
 */
import type { ComponentChildren, JSX } from 'preact';
import { Link } from '../router.js';
import { count } from '../format.js';

export function Field({ label, id, children, hint }: { label: string; id: string; children: ComponentChildren; hint?: string }): JSX.Element {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? <small class="muted">{hint}</small> : null}
    </div>
  );
}

/** Page links for `total` items of `size` a page; `href(p)` is the URL of page p (1-based). */
export function Pager({ page, size, total, href, label }: { page: number; size: number; total: number; href: (p: number) => string; label: string }): JSX.Element | null {
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1) return null;
  const shown = new Set<number>([1, pages, page - 2, page - 1, page, page + 1, page + 2].filter((p) => p >= 1 && p <= pages));
  const list = [...shown].sort((a, b) => a - b);
  const items: JSX.Element[] = [];
  let prev = 0;
  for (const p of list) {
    if (p > prev + 1) items.push(<li key={`gap${p}`} aria-hidden="true">…</li>);
    items.push(
      <li key={p}>
        {p === page ? (
          <span class="current" aria-current="page">
            {p}
          </span>
        ) : (
          <Link href={href(p)} aria-label={`Page ${p}`}>
            {String(p)}
          </Link>
        )}
      </li>,
    );
    prev = p;
  }
  return (
    <nav class="pager" aria-label={label}>
      {page > 1 ? <Link href={href(page - 1)}>Previous</Link> : null}
      <ul>{items}</ul>
      {page < pages ? <Link href={href(page + 1)}>Next</Link> : null}
      <span class="muted">
        {count(total)} in all, page {page} of {pages}
      </span>
    </nav>
  );
}

export function SortHeader({ label, field, sort, desc, href, class: cls }: { label: string; field: string; sort: string; desc: boolean; href: (sort: string, desc: boolean) => string; class?: string }): JSX.Element {
  const active = sort === field;
  return (
    <th scope="col" class={cls} aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}>
      <Link href={href(field, active ? !desc : false)} class="sort">
        {label}
        <span aria-hidden="true">{active ? (desc ? ' ▼' : ' ▲') : ''}</span>
      </Link>
    </th>
  );
}

export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }): JSX.Element {
  return max > 0 ? <progress value={value} max={max} aria-label={label} /> : <progress aria-label={label} />;
}

/** Integer ≥ 1 of a query value (pages). */
export function pageOf(v: string | null): number {
  const n = Number(v ?? '1');
  return Number.isInteger(n) && n >= 1 ? n : 1;
}
