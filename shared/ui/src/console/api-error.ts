/**
 * A failed console call: the Connect error code (`invalid_argument`, `permission_denied` …)
 * and the server's one-line message. `fieldErrors` splits an INVALID_ARGUMENT message
 * (`field: problem; other.field: problem`, as controller/src/api/validate.ts and the
 * schedule validation write them) into problems by field, so forms show each next to
 * its input; what names no known field stays in `rest`.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The message of anything caught, for display. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface FieldErrors {
  readonly byField: Readonly<Record<string, string>>;
  readonly rest: string;
}

/**
 * Problems keyed by the form field they name. `fields` are the form's snake_case field
 * names; a problem's field matches one when it equals it or ends with `.<name>`
 * (`schedule.cron`, `options.reach`) or starts with `<name>.` (`options.reach` → options).
 */
export function fieldErrors(err: unknown, fields: readonly string[]): FieldErrors {
  const byField: Record<string, string> = {};
  const rest: string[] = [];
  const parts = err instanceof ApiError && err.code === 'invalid_argument' ? err.message.split('; ') : [messageOf(err)];
  for (const part of parts) {
    const m = /^([a-z_][a-z0-9_.]*): (.*)$/s.exec(part);
    const named = m?.[1] ?? '';
    const field = m ? fields.find((f) => named === f || named.endsWith(`.${f}`)) ?? fields.find((f) => named.startsWith(`${f}.`)) : undefined;
    if (m && field) byField[field] = byField[field] ? `${byField[field]}; ${m[2] ?? ''}` : `${named === field ? '' : `${named}: `}${m[2] ?? ''}`;
    else rest.push(part);
  }
  return { byField, rest: rest.join('; ') };
}
