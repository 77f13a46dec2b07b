// Prints an uncaught exception the way CPython 3.11 does (run with -X no_debug_ranges): the
// chain of causes and contexts, one entry per frame with its source line, runs of identical
// entries folded into "[Previous line repeated N more times]", and SyntaxError's caret.
import { PyException, TracebackEntry, Value, PyTuple, PyList } from './values.js';
import { CodeObject } from '../bytecode/code.js';
import { isSubtype } from './types.js';
import { SyntaxError as SyntaxErrorCls } from './errors.js';
import type { VM } from './interp.js';
import { HOST_CODES } from './interp.js';
import { TASKLET_CODES } from './tasklet.js';

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
    if (HOST_CODES.includes(t.code) || TASKLET_CODES.includes(t.code)) continue;
    const line = positionLine(t.code, t.pc);
    // CPython reads the line back from the file; standard input (the REPL, a piped script) cannot be
    const text = t.code.filename === '<stdin>' ? '' : sourceLine(t.code.source, line).trim();
    out.push({ file: t.code.filename, line, name: t.code.name, text });
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
    const msgText = exc.args.items[0];
    // CPython prints no caret for an unexpected indent
    if (typeof offset === 'number' && end !== -1 && msgText !== 'unexpected indent') {
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
    out += exceptionHeadline(vm, exc) + suggestionFor(vm, exc) + '\n';
  }
  return out;
}

// ---- "Did you mean" (CPython 3.11 Python/suggestions.c) ----------------------------------

const MOVE_COST = 2;
const CASE_COST = 1;

function substitutionCost(a: number, b: number): number {
  if ((a & 31) !== (b & 31)) return MOVE_COST;
  if (a === b) return 0;
  if (a >= 65 && a <= 90) a += 32;
  if (b >= 65 && b <= 90) b += 32;
  return a === b ? CASE_COST : MOVE_COST;
}

function levenshtein(a: string, b: string, maxCost: number): number {
  if (a === b) return 0;
  let as = 0, ae = a.length, bs = 0, be = b.length;
  while (as < ae && bs < be && a[as] === b[bs]) { as++; bs++; }
  while (as < ae && bs < be && a[ae - 1] === b[be - 1]) { ae--; be--; }
  let x = a.slice(as, ae), y = b.slice(bs, be);
  if (!x.length || !y.length) return (x.length + y.length) * MOVE_COST;
  if (x.length > 40 || y.length > 40) return maxCost + 1;
  if (y.length < x.length) [x, y] = [y, x];
  if ((y.length - x.length) * MOVE_COST > maxCost) return maxCost + 1;
  const buffer: number[] = [];
  for (let i = 0; i < x.length; i++) buffer[i] = (i + 1) * MOVE_COST;
  let result = 0;
  for (let bi = 0; bi < y.length; bi++) {
    const code = y.charCodeAt(bi);
    let distance = bi * MOVE_COST;
    result = distance;
    let minimum = Infinity;
    for (let i = 0; i < x.length; i++) {
      const substitute = distance + substitutionCost(code, x.charCodeAt(i));
      distance = buffer[i];
      const insertDelete = Math.min(result, distance) + MOVE_COST;
      result = Math.min(insertDelete, substitute);
      buffer[i] = result;
      if (result < minimum) minimum = result;
    }
    if (minimum > maxCost) return maxCost + 1;
  }
  return result;
}

function closest(candidates: string[], name: string): string | null {
  if (candidates.length >= 750) return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const item of candidates) {
    if (item === name) continue;
    let maxDistance = Math.floor(((name.length + item.length + 3) * MOVE_COST) / 6);
    maxDistance = Math.min(maxDistance, bestDistance - 1);
    const d = levenshtein(name, item, maxDistance);
    if (d > maxDistance) continue;
    if (best === null || d < bestDistance) { best = item; bestDistance = d; }
  }
  return best;
}

function suggestionFor(vm: VM, exc: PyException): string {
  const name = exc.dict.get('name');
  if (typeof name !== 'string') return '';
  let found: string | null = null;
  if (exc.scopeNames) {
    for (const names of exc.scopeNames()) {
      found = closest(names, name);
      if (found) break;
    }
  } else if (exc.dict.has('obj')) {
    found = closest(dirOf(vm, exc.dict.get('obj') as Value), name);
  }
  return found ? `. Did you mean: '${found}'?` : '';
}

function dirOf(vm: VM, obj: Value): string[] {
  const names = new Set<string>();
  try {
    const r = vm.callNested(vm.builtins.get('dir') as Value, [obj]);
    if (r instanceof PyList) for (const n of r.items) if (typeof n === 'string') names.add(n);
  } catch {
    return [];
  }
  return [...names].sort();
}

export { PyTuple };
