// The process-backed host: buffered stdout/stderr through file descriptors, line input from
// fd 0, files from disk. The only place (with cli/main.ts) that touches the process.
import { readSync, writeSync } from 'node:fs';
import type { Host } from '../index.js';
import { compile, readTextFile } from '../index.js';
import { cachedCompile } from './cache.js';
import { VERSION } from './version.js';

export class ProcessHost implements Host {
  private out = '';
  private err = '';
  private inBuf = '';
  private inEof = false;

  write(stream: 'stdout' | 'stderr', text: string): void {
    if (stream === 'stdout') {
      this.out += text;
      if (this.out.length > 1 << 16) this.flushOut();
    } else {
      this.flushOut();
      this.err += text;
      this.flushErr();
    }
  }

  flushOut(): void {
    if (this.out) { writeAll(1, this.out); this.out = ''; }
  }

  flushErr(): void {
    if (this.err) { writeAll(2, this.err); this.err = ''; }
  }

  flush(): void {
    this.flushOut();
    this.flushErr();
  }

  readLine(): string | null {
    this.flushOut();
    for (;;) {
      const nl = this.inBuf.indexOf('\n');
      if (nl >= 0) {
        const line = this.inBuf.slice(0, nl + 1);
        this.inBuf = this.inBuf.slice(nl + 1);
        return line;
      }
      if (this.inEof) {
        if (!this.inBuf) return null;
        const line = this.inBuf;
        this.inBuf = '';
        return line;
      }
      const chunk = Buffer.alloc(65536);
      let n = 0;
      try {
        n = readSync(0, chunk, 0, chunk.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        n = 0;
      }
      if (n === 0) this.inEof = true;
      else this.inBuf += chunk.subarray(0, n).toString('utf8');
    }
  }

  readFile(path: string): string | null {
    return readTextFile(path);
  }

  compile = cachedCompile(compile, VERSION);

  now(): number {
    return Date.now() / 1000;
  }

  sleep(s: number): void {
    this.flushOut();
    const until = Date.now() + s * 1000;
    const shared = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < until) Atomics.wait(shared, 0, 0, Math.max(1, until - Date.now()));
  }
}

export function writeAll(fd: number, text: string | Uint8Array): void {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') return;
      throw e;
    }
  }
}
