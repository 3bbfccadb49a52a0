/**
 * The add/edit form of a catalog entry, drawn from a list of fields: text and password
 * inputs, a key=value options box, a checkbox, and an agent picker filled from
 * ListAgents. Each field shows the API's problem with it beside it (the API names
 * fields as the proto spells them, which is each field's `api` name); problems that name
 * no field are shown above the buttons. The name cannot change while editing.
 */
import type { JSX } from 'preact';
import { useId } from 'preact/hooks';
import type { FieldErrors } from '../api-error.js';
import { ErrorLine, Field } from '../widgets.js';

export type Values = Record<string, string | boolean>;

export interface FormField {
  /** The key in Values, and the proto field name the API uses in its messages. */
  readonly api: string;
  readonly label: string;
  readonly kind: 'text' | 'password' | 'options' | 'checkbox' | 'agent';
  readonly hint?: string;
  readonly placeholder?: string;
}

export interface EntityFormProps {
  readonly title: string;
  readonly fields: readonly FormField[];
  readonly values: Values;
  readonly editing: boolean;
  readonly errors: FieldErrors;
  readonly agents: readonly string[];
  readonly busy: boolean;
  readonly onChange: (v: Values) => void;
  readonly onSubmit: () => void;
  readonly onCancel: () => void;
}

/** "k=v" lines ↔ a map (blank lines skipped; the first '=' splits). */
export function parseOptions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const eq = line.indexOf('=');
    out[eq < 0 ? line : line.slice(0, eq).trim()] = eq < 0 ? '' : line.slice(eq + 1).trim();
  }
  return out;
}

export function formatOptions(o: Readonly<Record<string, string | undefined>> | undefined, sep = '\n'): string {
  return Object.entries(o ?? {}).map(([k, v]) => `${k}=${v ?? ''}`).join(sep);
}

function Input({ f, p }: { readonly f: FormField; readonly p: EntityFormProps }): JSX.Element {
  const id = useId();
  const value = p.values[f.api];
  const error = p.errors.byField[f.api];
  const set = (v: string | boolean): void => p.onChange({ ...p.values, [f.api]: v });
  const aria = { 'aria-invalid': error ? ('true' as const) : undefined, 'aria-describedby': error ? `${id}-err` : undefined };
  const err = error ? <span class="field-error" id={`${id}-err`}>{error}</span> : null;
  if (f.kind === 'text' || f.kind === 'password') {
    const disabled = p.editing && f.api === 'name';
    return <Field label={f.label} value={String(value ?? '')} onInput={set} error={error} type={f.kind} disabled={disabled} required={f.api === 'name'} {...(f.hint ? { hint: f.hint } : {})} {...(f.placeholder ? { placeholder: f.placeholder } : {})} />;
  }
  if (f.kind === 'checkbox') {
    return (
      <div class="field field-check">
        <input id={id} type="checkbox" checked={value === true} onChange={(e) => set(e.currentTarget.checked)} {...aria} />
        <label for={id}>{f.label}</label>
        {f.hint && <small>{f.hint}</small>}
        {err}
      </div>
    );
  }
  if (f.kind === 'agent') {
    const names = p.agents.includes(String(value ?? '')) || !value ? p.agents : [String(value), ...p.agents];
    return (
      <div class="field">
        <label for={id}>{f.label}</label>
        <select id={id} value={String(value ?? '')} onChange={(e) => set(e.currentTarget.value)} {...aria}>
          <option value="">— choose an agent —</option>
          {names.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
        {err}
      </div>
    );
  }
  return (
    <div class="field">
      <label for={id}>{f.label}</label>
      <textarea id={id} rows={3} value={String(value ?? '')} placeholder={f.placeholder} onInput={(e) => set(e.currentTarget.value)} {...aria} />
      {f.hint && <small>{f.hint}</small>}
      {err}
    </div>
  );
}

export function EntityForm(p: EntityFormProps): JSX.Element {
  const titleId = useId();
  return (
    <form class="panel entity-form" aria-labelledby={titleId} onSubmit={(e) => (e.preventDefault(), p.onSubmit())}>
      <h2 id={titleId}>{p.title}</h2>
      {p.fields.map((f) => <Input key={f.api} f={f} p={p} />)}
      <ErrorLine text={p.errors.rest} />
      <div class="actions">
        <button type="submit" disabled={p.busy}>{p.editing ? 'Save changes' : 'Add'}</button>
        <button type="button" onClick={p.onCancel}>Cancel</button>
      </div>
    </form>
  );
}
