// Prints an uncaught exception the way CPython 3.11 does (run with -X no_debug_ranges): the
// chain of causes and contexts, one entry per frame with its source line, runs of identical
// entries folded into "[Previous line repeated N more times]", and SyntaxError's caret.
import { PyException, TracebackEntry, Value, PyTuple } from './values.js';
import { CodeObject } from '../bytecode/code.js';
import { isSubtype } from './types.js';
import { SyntaxError as SyntaxErrorCls } from './errors.js';
import type { VM } from './interp.js';
import { HOST_CODES } from './interp.js';

/** Line starts of each source text, computed once. */
const lineTables = new WeakMap<object, number[]>();
const sourceKeys = new Map<string, object>();

function lineStarts(source: string): number[] {
  let key = sourceKeys.get(source);
  if (!key) { key = {}; sourceKeys.set(source, key); }
  let t = lineTables.get(key);
  if (!t) {
    t = [0];
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) t.push(i + 1);
    lineTables.set(key, t);
  }
  return t;
}

export function lineOf(source: string, offset: number): number {
  const t = lineStarts(source);
  let lo = 0, hi = t.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (t[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return lo + 1;
}

export function sourceLine(source: string, line: number): string {
  const t = lineStarts(source);
  if (line < 1 || line > t.length) return '';
  const start = t[line - 1];
  const end = line < t.length ? t[line] - 1 : source.length;
  return source.slice(start, end).replace(/\r$/, '');
}

export function positionLine(code: CodeObject, pc: number): number {
  const off = code.positions[Math.max(0, Math.min(pc, code.positions.length - 1))] ?? 0;
  return lineOf(code.source, off);
}

interface Entry { file: string; line: number; name: string; text: string }

function entries(tb: TracebackEntry | null): Entry[] {
  const out: Entry[] = [];
  for (let t = tb; t !== null; t = t.next) {
    if (HOST_CODES.includes(t.code)) continue;
    const line = positionLine(t.code, t.pc);
    out.push({ file: t.code.filename, line, name: t.code.name, text: sourceLine(t.code.source, line).trim() });
  }
  return out;
}

function formatEntries(list: Entry[]): string {
  let out = '';
  let last: Entry | null = null;
  let repeat = 0;
  const flush = (): void => {
    if (repeat > 3) {
      const more = repeat - 3;
      out += `  [Previous line repeated ${more} more time${more > 1 ? 's' : ''}]\n`;
    }
  };
  for (const e of list) {
    if (last && e.file === last.file && e.line === last.line && e.name === last.name) {
      repeat++;
      if (repeat > 3) continue;
    } else {
      flush();
      repeat = 1;
    }
    last = e;
    out += `  File "${e.file}", line ${e.line}, in ${e.name}\n`;
    if (e.text) out += `    ${e.text}\n`;
  }
  flush();
  return out;
}

export function exceptionHeadline(vm: VM, exc: PyException): string {
  const cls = exc.cls;
  const name = cls.module === 'builtins' || cls.module === '__main__' ? cls.qualname : `${cls.module}.${cls.qualname}`;
  let msg: string;
  try {
    msg = vm.str(exc);
  } catch {
    msg = '<exception str() failed>';
  }
  return msg ? `${name}: ${msg}` : name;
}

function syntaxErrorBody(vm: VM, exc: PyException): string {
  const get = (k: string): Value | undefined => exc.dict.get(k);
  const file = get('filename');
  const line = get('lineno');
  const text = get('text');
  const offset = get('offset');
  const end = get('end_offset');
  let out = '';
  if (typeof file === 'string' && typeof line === 'number') out += `  File "${file}", line ${line}\n`;
  if (typeof text === 'string' && text !== '') {
    const raw = text.replace(/\n$/, '');
    const stripped = raw.replace(/^[ \t\f]+/, '');
    const lead = raw.length - stripped.length;
    out += `    ${stripped}\n`;
    if (typeof offset === 'number') {
      const col = Math.max(0, offset - 1 - lead);
      const width = typeof end === 'number' && end > offset ? end - offset : 1;
      out += `    ${' '.repeat(col)}${'^'.repeat(width)}\n`;
    }
  }
  const msg = exc.args.items[0];
  out += `${exc.cls.name}: ${typeof msg === 'string' ? msg : vm.str(exc)}\n`;
  return out;
}

/** The full text CPython prints to stderr for an uncaught exception. */
export function formatException(vm: VM, exc: PyException, seen = new Set<PyException>()): string {
  seen.add(exc);
  let out = '';
  if (exc.cause && !seen.has(exc.cause)) {
    out += formatException(vm, exc.cause, seen);
    out += '\nThe above exception was the direct cause of the following exception:\n\n';
  } else if (exc.context && !exc.suppressContext && !seen.has(exc.context)) {
    out += formatException(vm, exc.context, seen);
    out += '\nDuring handling of the above exception, another exception occurred:\n\n';
  }
  const list = entries(exc.traceback);
  if (list.length) out += 'Traceback (most recent call last):\n' + formatEntries(list);
  if (isSubtype(exc.cls, SyntaxErrorCls) && exc.dict.has('lineno')) {
    out += syntaxErrorBody(vm, exc);
  } else {
    out += exceptionHeadline(vm, exc) + '\n';
  }
  return out;
}

export { PyTuple };
