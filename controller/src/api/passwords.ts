/**
 * Console passwords: argon2id (libsodium's crypto_pwhash_str through sodium-native, the
 * library the agent already uses for store keys), 5 passes over 64 MiB: about 0.15 s per
 * hash or check here, which makes a guess expensive and a login still quick. The hash
 * string carries its own salt and parameters, so raising them later keeps old hashes
 * valid. Hashing runs on libuv's thread pool (the event loop keeps serving), and at most
 * two checks run at once so a burst of logins cannot take all the memory.
 * `verifyPassword` against `DUMMY` costs the same as against a real hash: unknown names
 * take as long to refuse as wrong passwords.
 */
import { createRequire } from 'node:module';
import { invalid } from './api-error.js';

interface Sodium {
  crypto_pwhash_str_async(out: Buffer, passwd: Buffer, opslimit: number, memlimit: number): Promise<void>;
  crypto_pwhash_str_verify_async(str: Buffer, passwd: Buffer): Promise<boolean>;
  readonly crypto_pwhash_STRBYTES: number;
}

const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;

const OPSLIMIT = 5;
const MEMLIMIT = 64 * 1024 * 1024;
/** Hashes or checks running at once. */
const MAX_CONCURRENT = 2;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Refuses passwords too short or too long (INVALID_ARGUMENT naming `field`). */
export function checkPassword(field: string, password: string): string {
  if ([...password].length < MIN_PASSWORD_LENGTH) throw invalid(field, `a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (Buffer.byteLength(password) > MAX_PASSWORD_LENGTH) throw invalid(field, `a password has at most ${MAX_PASSWORD_LENGTH} bytes`);
  return password;
}

/** The argon2id hash string of `password` ("$argon2id$v=19$m=65536,t=5,p=1$…"). */
export async function hashPassword(password: string): Promise<string> {
  const out = Buffer.alloc(sodium.crypto_pwhash_STRBYTES);
  await limited(() => sodium.crypto_pwhash_str_async(out, Buffer.from(password, 'utf8'), OPSLIMIT, MEMLIMIT));
  return out.toString('utf8').replace(/\0+$/, '');
}

/** Whether `password` matches `hash`; false (never a throw) for an empty password or a malformed hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const str = Buffer.alloc(sodium.crypto_pwhash_STRBYTES);
  const given = Buffer.from(hash, 'utf8');
  if (given.length >= str.length) return false;
  given.copy(str);
  const pw = Buffer.from(password === '' ? '\0' : password, 'utf8');
  const ok = await limited(() => sodium.crypto_pwhash_str_verify_async(str, pw).catch(() => false));
  return ok && password !== '' && Buffer.byteLength(password) <= MAX_PASSWORD_LENGTH;
}

let dummy: Promise<string> | undefined;

/** A hash of a random password with the same cost, checked when the name is unknown. */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(`no such user ${Math.random()}`);
  return dummy;
}
