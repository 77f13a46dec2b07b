// The bytecode cache of the `spy` command: compiled modules are kept under
// $XDG_CACHE_HOME/spy (or ~/.cache/spy), keyed by a hash of spy's version, the file name and
// the source, so an unchanged program starts without loading the parser. SPY_NO_CACHE=1
// turns it off; any failure to read or write the cache just means compiling again.
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CodeObject } from '../bytecode/code.js';
import { serializeCode, deserializeCode, FORMAT_VERSION } from '../bytecode/serialize.js';

export function cacheDir(): string | null {
  if (process.env.SPY_NO_CACHE) return null;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'spy', 'bytecode');
}

export function cachedCompile(
  compile: (source: string, filename: string) => CodeObject,
  version: string,
): (source: string, filename: string) => CodeObject {
  const dir = cacheDir();
  if (dir === null) return compile;
  return (source, filename) => {
    const key = cacheKey(`${version}\0${FORMAT_VERSION}\0${filename}\0${source}`);
    const path = join(dir, `${key}.json`);
    try {
      const code = deserializeCode(readFileSync(path, 'utf8'), source);
      if (code) return code;
    } catch {
      // a miss or an unreadable entry: compile below
    }
    const code = compile(source, filename);
    try {
      mkdirSync(dir, { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, serializeCode(code));
      renameSync(tmp, path);
    } catch {
      // read-only home, full disk: run without caching
    }
    return code;
  };
}

/**
 * Two independent 32-bit FNV-1a style hashes and the length: 64+ bits of key without loading
 * node:crypto (whose import alone costs a noticeable part of start-up).
 */
export function cacheKey(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0') + text.length.toString(16);
}
