/**
 * Names and paths of snapshots as the CLI shows them. Text output shows a name with
 * its bytes that are not UTF-8 (and control characters) as `\xHH` (raw-name.ts's
 * displayName); JSON output gives the same display string and, when the name holds
 * such bytes, the exact bytes beside it in base64 (`rawName`, `rawPath`, `rawTarget`).
 */
import { displayName, hasRawBytes, nameToBytes } from '../engine/raw-name.js';

export { displayName };

/** `{[key]: string, [rawKey]?: string}`. */
export type JsonName<K extends string> = Record<K, string> & Partial<Record<`raw${Capitalize<K>}`, string>>;

/**
 * `{[key]: s}` for a name of valid UTF-8; else `{[key]: displayName(s), [rawKey]: base64 of its bytes}`,
 * rawKey being `raw` + Key (`name` → `rawName`).
 */
export function jsonName<K extends string>(key: K, s: string): JsonName<K> {
  if (!hasRawBytes(s)) return { [key]: s } as JsonName<K>;
  return { [key]: displayName(s), [`raw${key[0]?.toUpperCase() ?? ''}${key.slice(1)}`]: nameToBytes(s).toString('base64') } as JsonName<K>;
}
