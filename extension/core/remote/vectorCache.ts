/**
 * A small cache of precomputed vectors keyed by paper identifier (`DOI:…`), so that no identifier
 * is sent to Semantic Scholar twice. Kept apart from the shared content-hash vector cache
 * (core/index/vectorCache.ts) because it is keyed by identifier and must remember misses too.
 *
 * A zero-length vector records "S2 has no (valid) vector for this id": a miss is remembered too.
 *
 * File format (append-only, so a crash loses at most the record being written): repeated records of
 *   u32 key byte length | key (UTF-8) | u32 dimension | dimension × f32 (little-endian)
 * A truncated last record is ignored on load.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface VectorCache {
  get(keys: readonly string[]): Promise<Map<string, Float32Array>>;
  put(entries: ReadonlyMap<string, Float32Array>): Promise<void>;
}

export class MemoryVectorCache implements VectorCache {
  protected readonly map = new Map<string, Float32Array>();
  async get(keys: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const k of keys) {
      const v = this.map.get(k);
      if (v) out.set(k, v);
    }
    return out;
  }
  async put(entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    for (const [k, v] of entries) this.map.set(k, v);
  }
  get size(): number {
    return this.map.size;
  }
}

export class FileVectorCache extends MemoryVectorCache {
  private loaded = false;

  /** `file`: e.g. `<cache dir>/s2-specter_v2.bin` (one file per vector space). */
  constructor(readonly file: string) {
    super();
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.file);
    } catch {
      return; // no cache yet
    }
    let off = 0;
    while (off + 4 <= buf.length) {
      const klen = buf.readUInt32LE(off);
      if (off + 4 + klen + 4 > buf.length) break;
      const key = buf.toString('utf8', off + 4, off + 4 + klen);
      const dim = buf.readUInt32LE(off + 4 + klen);
      const start = off + 8 + klen;
      if (dim > 65_536 || start + dim * 4 > buf.length) break;
      const v = new Float32Array(dim);
      for (let i = 0; i < dim; i++) v[i] = buf.readFloatLE(start + i * 4);
      this.map.set(key, v);
      off = start + dim * 4;
    }
  }

  override async get(keys: readonly string[]): Promise<Map<string, Float32Array>> {
    this.load();
    return super.get(keys);
  }

  override async put(entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    this.load();
    const parts: Buffer[] = [];
    for (const [k, v] of entries) {
      if (this.map.has(k)) continue;
      const key = Buffer.from(k, 'utf8');
      const rec = Buffer.alloc(8 + key.length + v.length * 4);
      rec.writeUInt32LE(key.length, 0);
      key.copy(rec, 4);
      rec.writeUInt32LE(v.length, 4 + key.length);
      for (let i = 0; i < v.length; i++) rec.writeFloatLE(v[i], 8 + key.length + i * 4);
      parts.push(rec);
    }
    await super.put(entries);
    if (parts.length === 0) return;
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    await fs.promises.appendFile(this.file, Buffer.concat(parts));
  }
}
