/**
 * An in-memory store for unit tests of the engine. Meets the same guarantees as the
 * real backends (see backend.ts) and can inject failures.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { type FileInfo, type FileKind, isValidName, partsOf, type Range, type StorageBackend } from './backend.js';

/** A backend that keeps files in a Map. */
export class MemoryBackend implements StorageBackend {
  readonly location = 'memory:';
  readonly files = new Map<string, { data: Buffer; mtimeMs: number }>();
  private initialised = false;
  /** When set, called before each save; throw from it to inject a failure. */
  beforeSave: ((kind: FileKind, name: string) => void) | undefined;

  private key(kind: FileKind, name: string): string {
    return `${kind}/${name}`;
  }

  exists(): Promise<boolean> {
    return Promise.resolve(this.files.has(this.key('config', '')));
  }

  init(): Promise<void> {
    if (this.initialised || this.files.size > 0) {
      return Promise.reject(new CofferError(ErrorCode.StoreExists, 'a store already exists in memory'));
    }
    this.initialised = true;
    return Promise.resolve();
  }

  save(kind: FileKind, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    this.beforeSave?.(kind, name);
    const k = this.key(kind, name);
    if (this.files.has(k)) {
      if (kind === 'config') return Promise.reject(new CofferError(ErrorCode.StoreExists, 'a store already exists in memory'));
      return Promise.resolve();
    }
    this.files.set(k, { data: Buffer.concat(partsOf(data)), mtimeMs: Date.now() });
    return Promise.resolve();
  }

  replaceConfig(data: Uint8Array): Promise<void> {
    const k = this.key('config', '');
    if (!this.files.has(k)) return Promise.reject(new CofferError(ErrorCode.NotFound, 'config: no such file'));
    this.files.set(k, { data: Buffer.from(data), mtimeMs: Date.now() });
    return Promise.resolve();
  }

  load(kind: FileKind, name: string, range?: Range): Promise<Buffer> {
    const f = this.files.get(this.key(kind, name));
    if (!f) return Promise.reject(new CofferError(ErrorCode.NotFound, `${kind}/${name}: no such file`));
    if (!range) return Promise.resolve(Buffer.from(f.data));
    if (range.offset + range.length > f.data.length) {
      return Promise.reject(new CofferError(ErrorCode.Corrupt, `${kind}/${name} is truncated`));
    }
    return Promise.resolve(Buffer.from(f.data.subarray(range.offset, range.offset + range.length)));
  }

  stat(kind: FileKind, name: string): Promise<FileInfo> {
    const f = this.files.get(this.key(kind, name));
    if (!f) return Promise.reject(new CofferError(ErrorCode.NotFound, `${kind}/${name}: no such file`));
    return Promise.resolve({ name, size: f.data.length, mtimeMs: f.mtimeMs });
  }

  list(kind: FileKind): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for (const [k, f] of this.files) {
      const slash = k.indexOf('/');
      if (k.slice(0, slash) === kind && isValidName(k.slice(slash + 1))) out.push({ name: k.slice(slash + 1), size: f.data.length, mtimeMs: f.mtimeMs });
    }
    return Promise.resolve(out);
  }

  remove(kind: FileKind, name: string): Promise<void> {
    if (!this.files.delete(this.key(kind, name))) {
      return Promise.reject(new CofferError(ErrorCode.NotFound, `${kind}/${name}: no such file`));
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
