/**
 * The smallest Reflect metadata API that @peculiar/x509 needs. Its dependency
 * injection container (tsyringe) refuses to load unless `Reflect.getMetadata` exists,
 * and reads and writes metadata only through `getMetadata`, `getOwnMetadata` and
 * `defineMetadata`. This module installs those three, keyed by target object and
 * property, and nothing else.
 *
 * Guarantees: it changes nothing when a Reflect metadata API is already present (for
 * example the `reflect-metadata` package, which should replace this file if it becomes a
 * dependency); it must be imported before `@peculiar/x509`, which `./x509.ts` does.
 */

type Key = string | symbol | undefined;
type Table = Map<Key, Map<unknown, unknown>>;

const store = new WeakMap<object, Table>();

function own(key: unknown, target: object, property?: Key): unknown {
  return store.get(target)?.get(property)?.get(key);
}

function define(key: unknown, value: unknown, target: object, property?: Key): void {
  let table = store.get(target);
  if (table === undefined) store.set(target, (table = new Map<Key, Map<unknown, unknown>>()));
  let values = table.get(property);
  if (values === undefined) table.set(property, (values = new Map<unknown, unknown>()));
  values.set(key, value);
}

/** Looks along the prototype chain, as reflect-metadata does. */
function inherited(key: unknown, target: object, property?: Key): unknown {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const value = own(key, o, property);
    if (value !== undefined) return value;
  }
  return undefined;
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect['getMetadata'] !== 'function') {
  reflect['getMetadata'] = inherited;
  reflect['getOwnMetadata'] = own;
  reflect['defineMetadata'] = define;
}
