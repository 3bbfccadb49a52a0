/**
 * The list table every view uses: a caption for screen readers, a header row, and the body
 * rows, inside a box that scrolls sideways on narrow screens (the page itself never does).
 * A column given as a string is a plain header; `num(label)` right-aligns; any element
 * (a SortHeader) goes in as it is.
 */
import type { ComponentChildren, JSX } from 'preact';

export type Col = string | JSX.Element;

export function num(label: string): JSX.Element {
  return (
    <th scope="col" class="num">
      {label}
    </th>
  );
}

/** A header cell with only screen-reader text (checkbox columns). */
export function hidden(label: string): JSX.Element {
  return (
    <th scope="col">
      <span class="sr-only">{label}</span>
    </th>
  );
}

export function DataTable({ id, caption, cols, children, cls = 'list' }: { id: string; caption: string; cols: readonly Col[]; children: ComponentChildren; cls?: string }): JSX.Element {
  return (
    <div class="scroll">
      <table class={cls} id={id}>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            {cols.map((c, i) =>
              typeof c === 'string' ? (
                <th scope="col" key={i}>
                  {c}
                </th>
              ) : (
                { ...c, key: i }
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
