/**
 * Reading a failed console call: `messageOf` for display, and `fieldErrors`, which splits
 * an INVALID_ARGUMENT message (`field: problem; other.field: problem`, as
 * controller/src/api/validate.ts and the schedule validation write them; a problem's own
 * text may hold '; ', so only '; ' before another `field: ` splits) into problems by
 * form field, so forms show each next to its input; what names no known field stays in
 * `rest`.
 */

/** The message of anything caught, for display. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : '';
}

export interface FieldErrors {
  readonly byField: Readonly<Record<string, string>>;
  readonly rest: string;
}

export const NO_ERRORS: FieldErrors = { byField: {}, rest: '' };

/**
 * Problems keyed by the form field they name. `fields` are the form's snake_case field
 * names; a problem's field matches one when it equals it or ends with `.<name>`
 * (`schedule.cron`), else when it starts with `<name>.` (`options.reach` → options).
 */
export function fieldErrors(err: unknown, fields: readonly string[]): FieldErrors {
  const byField: Record<string, string> = {};
  const rest: string[] = [];
  const parts = codeOf(err) === 'invalid_argument' ? messageOf(err).split(/; (?=[a-z_][a-z0-9_.]*: )/) : [messageOf(err)];
  for (const part of parts) {
    const m = /^([a-z_][a-z0-9_.]*): (.*)$/s.exec(part);
    const named = m?.[1] ?? '';
    const field = m ? (fields.find((f) => named === f || named.endsWith(`.${f}`)) ?? fields.find((f) => named.startsWith(`${f}.`))) : undefined;
    if (!m || !field) {
      rest.push(part);
      continue;
    }
    const text = `${named === field ? '' : `${named}: `}${m[2] ?? ''}`;
    byField[field] = byField[field] ? `${byField[field]}; ${text}` : text;
  }
  return { byField, rest: rest.join('; ') };
}
