/**
 * Small pieces the console pages share: a labelled text field with its error beside it
 * (linked by aria-describedby), an error line announced to screen readers, and a button
 * that asks for confirmation in a modal <dialog> (Escape or "Cancel" closes it; focus
 * returns to the button), and a table with a (visually hidden) caption whose rows scroll
 * sideways on narrow screens.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import { messageOf } from './api-error.js';

export interface FieldProps {
  readonly label: string;
  readonly value: string;
  readonly onInput: (v: string) => void;
  readonly error?: string | undefined;
  readonly hint?: string;
  readonly type?: 'text' | 'password' | 'number';
  readonly required?: boolean;
  readonly disabled?: boolean;
  readonly placeholder?: string;
  readonly autoComplete?: string;
  readonly name?: string;
}

/** A label, an input, an optional hint and the API's problem with the value. */
export function Field(p: FieldProps): JSX.Element {
  const id = useId();
  const described = [p.hint ? `${id}-hint` : '', p.error ? `${id}-err` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${p.error ? ' field-invalid' : ''}`}>
      <label for={id}>{p.label}</label>
      <input
        id={id}
        name={p.name}
        {...({ type: p.type ?? 'text' } as { type: 'text' })}
        value={p.value}
        required={p.required}
        disabled={p.disabled}
        placeholder={p.placeholder}
        autoComplete={p.autoComplete ?? 'off'}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={described || undefined}
        onInput={(e) => p.onInput(e.currentTarget.value)}
      />
      {p.hint && <small id={`${id}-hint`}>{p.hint}</small>}
      {p.error && (
        <span class="field-error" id={`${id}-err`}>
          {p.error}
        </span>
      )}
    </div>
  );
}

/** An error line (role=alert), nothing when `text` is empty. */
export function ErrorLine({ text }: { readonly text: string }): JSX.Element | null {
  return text ? (
    <p class="error" role="alert">
      {text}
    </p>
  ) : null;
}

export interface ConfirmProps {
  readonly label: string;
  /** What will happen, in the dialog. */
  readonly question: ComponentChildren;
  readonly confirmLabel?: string;
  readonly onConfirm: () => Promise<unknown>;
  readonly danger?: boolean;
  /** The button's accessible name when `label` alone is ambiguous ("Remove store main"). */
  readonly ariaLabel?: string;
}

/** A button whose action runs only after "Yes" in a modal dialog; errors stay in the dialog. */
export function ConfirmButton(p: ConfirmProps): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const yes = async (): Promise<void> => {
    setBusy(true);
    try {
      await p.onConfirm();
      ref.current?.close();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class={p.danger ? 'danger' : undefined} aria-label={p.ariaLabel} onClick={() => (setError(''), ref.current?.showModal())}>
        {p.label}
      </button>
      <dialog ref={ref} aria-labelledby={titleId} class="confirm">
        <p id={titleId}>{p.question}</p>
        <ErrorLine text={error} />
        <div class="actions">
          <button type="button" class={p.danger ? 'danger' : undefined} disabled={busy} onClick={() => void yes()}>
            {p.confirmLabel ?? p.label}
          </button>
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}

export interface TableProps<T> {
  readonly caption: string;
  /** Column headings; '' is an actions column (its heading is for screen readers only). */
  readonly head: readonly string[];
  readonly rows: readonly T[];
  readonly row: (t: T) => JSX.Element;
}

/** A table of `rows`, each drawn by `row` (a <tr>). */
export function Table<T>(p: TableProps<T>): JSX.Element {
  return (
    <div class="scroll">
      <table class="list">
        <caption class="sr-only">{p.caption}</caption>
        <thead>
          <tr>{p.head.map((h) => <th scope="col" key={h}>{h || <span class="sr-only">Actions</span>}</th>)}</tr>
        </thead>
        <tbody>{p.rows.map(p.row)}</tbody>
      </table>
    </div>
  );
}

/** "Remove" with a confirmation naming what goes (`note` says what stays or follows). */
export function RemoveButton(p: { readonly noun: string; readonly name: string; readonly note?: string | undefined; readonly remove: () => Promise<unknown> }): JSX.Element {
  return (
    <ConfirmButton
      label="Remove"
      danger
      question={<>Remove {p.noun} <strong>{p.name}</strong>?{p.note ? ` ${p.note}` : ''}</>}
      confirmLabel={`Remove ${p.name}`}
      ariaLabel={`Remove ${p.noun} ${p.name}`}
      onConfirm={p.remove}
    />
  );
}
