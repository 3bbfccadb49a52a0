/** JSON columns: parsing that never throws on a damaged row (it yields the fallback). */

/** Parses `text`, or returns `fallback` when it is empty or not JSON. */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
