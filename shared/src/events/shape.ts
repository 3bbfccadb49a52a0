/**
 * Field shapes of JSON lines: a small declarative description (`{files: 'number',
 * parent: 'string?', source: {type: 'string', location: 'string'}}`) from which both
 * the TypeScript type and the runtime check come, so the two cannot drift apart.
 * A value fits a shape when every required field is present with its kind and every
 * optional field is absent or of its kind; fields the shape does not name are allowed
 * (forward compatibility). Numbers must be finite. Pure; never throws.
 */

/** The kinds a field can have: `strings` is an array of strings; a trailing `?` makes it optional. */
export type Kind = 'string' | 'number' | 'boolean' | 'strings';

/** A field's kind, optional marker, or a nested shape (a required object). */
export type Field = Kind | `${Kind}?` | Shape;

/** The fields of an object. */
export interface Shape {
  readonly [field: string]: Field;
}

type KindType<K> = K extends 'string' | 'string?'
  ? string
  : K extends 'number' | 'number?'
    ? number
    : K extends 'boolean' | 'boolean?'
      ? boolean
      : K extends 'strings' | 'strings?'
        ? readonly string[]
        : K extends Shape
          ? ShapeType<K>
          : never;

type Flatten<T> = { readonly [K in keyof T]: T[K] };

/** The TypeScript type of the objects that fit shape S. */
export type ShapeType<S extends Shape> = Flatten<
  { readonly [K in keyof S as S[K] extends `${string}?` ? never : K]: KindType<S[K]> } & {
    readonly [K in keyof S as S[K] extends `${string}?` ? K : never]?: KindType<S[K]>;
  }
>;

/** Whether v is a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fitsKind(v: unknown, k: Kind): boolean {
  switch (k) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'strings':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
  }
}

/** The JSON object a line holds, or undefined (not JSON, or not an object). */
export function parseObject(line: string): Record<string, unknown> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  return isObject(v) ? v : undefined;
}

/** Whether o fits shape s (extra fields allowed). */
export function fits(o: Record<string, unknown>, s: Shape): boolean {
  for (const [name, field] of Object.entries(s)) {
    const v = o[name];
    if (typeof field !== 'string') {
      if (!isObject(v) || !fits(v, field)) return false;
    } else if (field.endsWith('?')) {
      if (v !== undefined && !fitsKind(v, field.slice(0, -1) as Kind)) return false;
    } else if (!fitsKind(v, field as Kind)) {
      return false;
    }
  }
  return true;
}
