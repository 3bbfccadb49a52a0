/**
 * Paging and sort fields of list requests: `limit` 0 means the method's default, more
 * than its maximum is cut to it (fields.ts limitField, as every operation does); an
 * unknown sort key is INVALID_ARGUMENT listing the known ones.
 */
import { invalidRpc } from '@coffer/shared/rpc/errors.js';
import { limitField } from './fields.js';

/** The page `[offset, offset + limit)` of a request (limit: fields.ts limitField). */
export function pageBounds(offset: number, limit: number, dflt: number, max: number): { start: number; end: number } {
  return { start: offset, end: offset + limitField(limit, dflt, max) };
}

/** The sort key `sort` among `known` (the first is the default, for ''). */
export function sortKey<K extends string>(sort: string, known: readonly K[]): K {
  if (sort === '') return known[0] as K;
  const k = known.find((x) => x === sort);
  if (!k) throw invalidRpc('sort', `unknown sort '${sort.slice(0, 40)}'; use one of ${known.join(', ')}`);
  return k;
}
