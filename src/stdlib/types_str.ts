// str: its constructor and methods (CPython's Objects/unicodeobject.c behaviour), str.format,
// and the int()/float() literal parsers that read text.
import { Value, PyTuple, PyList, PyFloat, PyBytes, PyClass, strType, PyNative, PyStaticMethod } from '../vm/values.js';
import { PyDict } from '../vm/objects.js';
import { raise, TypeError, ValueError, IndexError, KeyError } from '../vm/errors.js';
import { typeOf, isSubtype } from '../vm/types.js';
import * as ops from '../vm/ops.js';
import * as N from '../vm/numbers.js';
import type { VM } from '../vm/interp.js';
import { method, arity, toSmallInt, toInt } from './native.js';

const WS = /^[\s\u001c-\u001f]+|[\s\u001c-\u001f]+$/g;

function s(self: Value, name: string): string {
  if (typeof self !== 'string') throw raise(TypeError, `descriptor '${name}' requires a 'str' object but received a '${typeOf(self).name}'`);
  return self;
}

function argStr(v: Value, fname: string): string {
  if (typeof v !== 'string') throw raise(TypeError, `${fname} arg must be None or str`);
  return v;
}

function must(v: Value, what: string): string {
  if (typeof v !== 'string') throw raise(TypeError, `${what}, not ${typeOf(v).name}`);
  return v;
}

/** Python's (start, end) slice arguments for find/count/startswith. */
function range(vm: VM, len: number, a?: Value, b?: Value): [number, number] {
  let start = a === undefined || a === null ? 0 : toSmallInt(vm, a);
  let end = b === undefined || b === null ? len : toSmallInt(vm, b);
  if (start < 0) start = Math.max(0, start + len);
  if (end < 0) end = Math.max(0, end + len);
  end = Math.min(end, len);
  return [start, end];
}

function stripChars(str: string, chars: Value | undefined, left: boolean, right: boolean, name: string): string {
  if (chars === undefined || chars === null) {
    let a = 0, b = str.length;
    if (left) while (a < b && /\s/.test(str[a])) a++;
    if (right) while (b > a && /\s/.test(str[b - 1])) b--;
    return str.slice(a, b);
  }
  const set = argStr(chars, name);
  let a = 0, b = str.length;
  if (left) while (a < b && set.includes(str[a])) a++;
  if (right) while (b > a && set.includes(str[b - 1])) b--;
  return str.slice(a, b);
}

function splitWhitespace(str: string, maxsplit: number): string[] {
  const out: string[] = [];
  let i = 0;
  const n = str.length;
  while (i < n) {
    while (i < n && /\s/.test(str[i])) i++;
    if (i >= n) break;
    if (maxsplit >= 0 && out.length >= maxsplit) {
      out.push(str.slice(i));
      return out;
    }
    let j = i;
    while (j < n && !/\s/.test(str[j])) j++;
    out.push(str.slice(i, j));
    i = j;
  }
  return out;
}

function rsplitWhitespace(str: string, maxsplit: number): string[] {
  const out: string[] = [];
  let i = str.length;
  while (i > 0) {
    while (i > 0 && /\s/.test(str[i - 1])) i--;
    if (i <= 0) break;
    if (maxsplit >= 0 && out.length >= maxsplit) {
      out.push(str.slice(0, i));
      break;
    }
    let j = i;
    while (j > 0 && !/\s/.test(str[j - 1])) j--;
    out.push(str.slice(j, i));
    i = j;
  }
  return out.reverse();
}

function isCased(c: string): boolean {
  return c.toLowerCase() !== c.toUpperCase();
}

function title(str: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of str) {
    out += prevCased ? ch.toLowerCase() : ch.toUpperCase();
    prevCased = isCased(ch) || /\p{L}/u.test(ch) && ch.toLowerCase() !== ch.toUpperCase();
    if (!isCased(ch)) prevCased = false;
  }
  return out;
}

export function installStrMethods(vm: VM): void {
  const T = strType;
  strType.dict.set('__new__', new PyStaticMethod(new PyNative('__new__', (args, kw) => {
    const a = args.slice(1);
    if (kw?.size && !a.length) { const o = kw.get('object'); if (o !== undefined) a.push(o); }
    if (a.length === 0) return '';
    if (a.length >= 2 || kw?.has('encoding')) {
      const b = a[0];
      if (b instanceof PyBytes) return new TextDecoder().decode(b.bytes);
      throw raise(TypeError, `decoding to str: need a bytes-like object, ${typeOf(b).name} found`);
    }
    return vm.str(a[0]);
  }, strType)));

  method(T, 'join', (self, args) => {
    const sep = s(self, 'join');
    const parts: string[] = [];
    let i = 0;
    for (const v of ops.iterate(vm, args[0])) {
      if (typeof v !== 'string') throw raise(TypeError, `sequence item ${i}: expected str instance, ${typeOf(v).name} found`);
      parts.push(v);
      i++;
    }
    return parts.join(sep);
  });
  method(T, 'split', (self, args, kw) => {
    const str = s(self, 'split');
    const sep = args[0] ?? kw?.get('sep') ?? null;
    const maxsplit = toSmallInt(vm, args[1] ?? kw?.get('maxsplit') ?? -1);
    if (sep === null) return new PyList(splitWhitespace(str, maxsplit));
    const sp = must(sep, 'must be str or None');
    if (sp === '') throw raise(ValueError, 'empty separator');
    const parts = str.split(sp);
    if (maxsplit >= 0 && parts.length > maxsplit + 1) {
      const head = parts.slice(0, maxsplit);
      head.push(parts.slice(maxsplit).join(sp));
      return new PyList(head);
    }
    return new PyList(parts);
  });
  method(T, 'rsplit', (self, args, kw) => {
    const str = s(self, 'rsplit');
    const sep = args[0] ?? kw?.get('sep') ?? null;
    const maxsplit = toSmallInt(vm, args[1] ?? kw?.get('maxsplit') ?? -1);
    if (sep === null) return new PyList(rsplitWhitespace(str, maxsplit));
    const sp = must(sep, 'must be str or None');
    if (sp === '') throw raise(ValueError, 'empty separator');
    const parts = str.split(sp);
    if (maxsplit >= 0 && parts.length > maxsplit + 1) {
      const cut = parts.length - maxsplit;
      return new PyList([parts.slice(0, cut).join(sp), ...parts.slice(cut)]);
    }
    return new PyList(parts);
  });
  method(T, 'splitlines', (self, args, kw) => {
    const str = s(self, 'splitlines');
    const keep = ops.truthy(vm, args[0] ?? kw?.get('keepends') ?? false);
    const out: string[] = [];
    const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(str))) {
      out.push(str.slice(last, keep ? m.index + m[0].length : m.index));
      last = m.index + m[0].length;
    }
    if (last < str.length) out.push(str.slice(last));
    return new PyList(out);
  });
  method(T, 'strip', (self, args) => stripChars(s(self, 'strip'), args[0], true, true, 'strip'));
  method(T, 'lstrip', (self, args) => stripChars(s(self, 'lstrip'), args[0], true, false, 'lstrip'));
  method(T, 'rstrip', (self, args) => stripChars(s(self, 'rstrip'), args[0], false, true, 'rstrip'));
  method(T, 'upper', (self) => s(self, 'upper').toUpperCase());
  method(T, 'lower', (self) => s(self, 'lower').toLowerCase());
  method(T, 'casefold', (self) => s(self, 'casefold').toLowerCase());
  method(T, 'swapcase', (self) => [...s(self, 'swapcase')].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''));
  method(T, 'capitalize', (self) => { const str = s(self, 'capitalize'); return str ? str[0].toUpperCase() + str.slice(1).toLowerCase() : ''; });
  method(T, 'title', (self) => title(s(self, 'title')));
  method(T, 'startswith', (self, args) => affix(vm, s(self, 'startswith'), args, true));
  method(T, 'endswith', (self, args) => affix(vm, s(self, 'endswith'), args, false));
  const find = (str: string, args: Value[], rev: boolean): number => {
    const sub = must(args[0], 'must be str');
    const [a, b] = range(vm, str.length, args[1], args[2]);
    if (b - a < sub.length) return -1;
    const hay = str.slice(a, b);
    const i = rev ? hay.lastIndexOf(sub) : hay.indexOf(sub);
    return i < 0 ? -1 : i + a;
  };
  method(T, 'find', (self, args) => find(s(self, 'find'), args, false));
  method(T, 'rfind', (self, args) => find(s(self, 'rfind'), args, true));
  method(T, 'index', (self, args) => { const i = find(s(self, 'index'), args, false); if (i < 0) throw raise(ValueError, 'substring not found'); return i; });
  method(T, 'rindex', (self, args) => { const i = find(s(self, 'rindex'), args, true); if (i < 0) throw raise(ValueError, 'substring not found'); return i; });
  method(T, 'count', (self, args) => {
    const str = s(self, 'count');
    const sub = must(args[0], 'must be str');
    const [a, b] = range(vm, str.length, args[1], args[2]);
    const hay = str.slice(a, b);
    if (sub === '') return b >= a ? hay.length + 1 : 0;
    return hay.split(sub).length - 1;
  });
  method(T, 'replace', (self, args) => {
    const str = s(self, 'replace');
    const old = must(args[0], 'replace() argument 1 must be str'), nw = must(args[1], 'replace() argument 2 must be str');
    let count = args.length > 2 ? toSmallInt(vm, args[2]) : -1;
    if (count < 0) return old === '' ? [...str].join(nw).replace(/^/, nw) + (str ? nw : '') : str.split(old).join(nw);
    let out = '';
    let rest = str;
    if (old === '') {
      const chars = [...str];
      let i = 0;
      for (; i < chars.length && count > 0; i++, count--) out += nw + chars[i];
      if (count > 0 && i === chars.length) out += nw;
      return out + chars.slice(i).join('');
    }
    while (count-- > 0) {
      const i = rest.indexOf(old);
      if (i < 0) break;
      out += rest.slice(0, i) + nw;
      rest = rest.slice(i + old.length);
    }
    return out + rest;
  });
  const justify = (name: string, f: (str: string, w: number, fill: string) => string): void => {
    method(T, name, (self, args) => {
      const str = s(self, name);
      const w = toSmallInt(vm, args[0]);
      const fill = args.length > 1 ? must(args[1], `${name}() argument 2 must be str`) : ' ';
      if ([...fill].length !== 1) throw raise(TypeError, 'The fill character must be exactly one character long');
      const len = ops.strLength(str);
      return len >= w ? str : f(str, w - len, fill);
    });
  };
  justify('ljust', (str, n, fill) => str + fill.repeat(n));
  justify('rjust', (str, n, fill) => fill.repeat(n) + str);
  method(T, 'center', (self, args) => {
    const str = s(self, 'center');
    const w = toSmallInt(vm, args[0]);
    const fill = args.length > 1 ? must(args[1], 'center() argument 2 must be str') : ' ';
    const n = w - ops.strLength(str);
    if (n <= 0) return str;
    // CPython: left = marg // 2 + (marg & width & 1)
    const left = Math.floor(n / 2) + (n & w & 1);
    return fill.repeat(left) + str + fill.repeat(n - left);
  });
  method(T, 'zfill', (self, args) => {
    const str = s(self, 'zfill');
    const w = toSmallInt(vm, args[0]);
    if (str.length >= w) return str;
    const sign = str[0] === '-' || str[0] === '+' ? str[0] : '';
    return sign + '0'.repeat(w - str.length) + str.slice(sign.length);
  });
  const pred = (name: string, test: (str: string) => boolean): void => method(T, name, (self) => test(s(self, name)));
  pred('isdigit', (str) => str.length > 0 && /^[\p{Nd}\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089]+$/u.test(str));
  pred('isdecimal', (str) => str.length > 0 && /^\p{Nd}+$/u.test(str));
  pred('isnumeric', (str) => str.length > 0 && /^[\p{N}]+$/u.test(str));
  pred('isalpha', (str) => str.length > 0 && /^\p{L}+$/u.test(str));
  pred('isalnum', (str) => str.length > 0 && /^[\p{L}\p{N}]+$/u.test(str));
  pred('isspace', (str) => str.length > 0 && /^\s+$/.test(str));
  pred('isupper', (str) => /\p{Lu}/u.test(str) && str === str.toUpperCase() && [...str].some(isCased));
  pred('islower', (str) => /\p{Ll}/u.test(str) && str === str.toLowerCase() && [...str].some(isCased));
  pred('istitle', (str) => [...str].some(isCased) && title(str) === str);
  pred('isidentifier', (str) => /^[\p{L}_][\p{L}\p{N}_]*$/u.test(str));
  pred('isprintable', (str) => !/[\x00-\x1f\x7f]/.test(str));
  pred('isascii', (str) => /^[\x00-\x7f]*$/.test(str));
  method(T, 'partition', (self, args) => {
    const str = s(self, 'partition');
    const sep = must(args[0], 'must be str');
    if (!sep) throw raise(ValueError, 'empty separator');
    const i = str.indexOf(sep);
    return i < 0 ? new PyTuple([str, '', '']) : new PyTuple([str.slice(0, i), sep, str.slice(i + sep.length)]);
  });
  method(T, 'rpartition', (self, args) => {
    const str = s(self, 'rpartition');
    const sep = must(args[0], 'must be str');
    if (!sep) throw raise(ValueError, 'empty separator');
    const i = str.lastIndexOf(sep);
    return i < 0 ? new PyTuple(['', '', str]) : new PyTuple([str.slice(0, i), sep, str.slice(i + sep.length)]);
  });
  method(T, 'removeprefix', (self, args) => { const str = s(self, 'removeprefix'); const p = must(args[0], 'must be str'); return p && str.startsWith(p) ? str.slice(p.length) : str; });
  method(T, 'removesuffix', (self, args) => { const str = s(self, 'removesuffix'); const p = must(args[0], 'must be str'); return p && str.endsWith(p) ? str.slice(0, -p.length) : str; });
  method(T, 'expandtabs', (self, args) => {
    const str = s(self, 'expandtabs');
    const size = args.length ? toSmallInt(vm, args[0]) : 8;
    let out = '', col = 0;
    for (const ch of str) {
      if (ch === '\t') { const n = size > 0 ? size - (col % size) : 0; out += ' '.repeat(n); col += n; }
      else if (ch === '\n' || ch === '\r') { out += ch; col = 0; }
      else { out += ch; col++; }
    }
    return out;
  });
  method(T, 'encode', (self) => new PyBytes(new TextEncoder().encode(s(self, 'encode'))));
  method(T, 'format', (self, args, kw) => strFormat(vm, s(self, 'format'), args, kw));
  method(T, 'format_map', (self, args) => strFormat(vm, s(self, 'format_map'), [], null, args[0]));
  method(T, '__format__', (self, args) => ops.formatValue(vm, self, args[0] as string));
  method(T, '__len__', (self) => ops.strLength(s(self, '__len__')));
  method(T, '__str__', (self) => self);
  method(T, '__repr__', (self) => vm.repr(self));
  method(T, '__hash__', (self) => ops.builtinHash(vm, self));
  method(T, '__contains__', (self, args) => ops.contains(vm, self, args[0], false));
  method(T, '__getitem__', (self, args) => ops.getItem(vm, self, args[0]));
  method(T, '__add__', (self, args) => (typeof args[0] === 'string' ? (self as string) + args[0] : raiseConcat(args[0])));
  method(T, '__mul__', (self, args) => ops.binaryOp(vm, 2, self, args[0]));
  method(T, '__mod__', (self, args) => vm.percentFormat(self as string, args[0]));
  method(T, '__iter__', (self) => ops.nativeIter(vm, self) as Value);
  strType.dict.set('maketrans', new PyStaticMethod(new PyNative('maketrans', (args) => {
    const d = new PyDict();
    if (args.length === 1 && args[0] instanceof PyDict) {
      for (const e of args[0].table.entries()) d.table.set(typeof e.key === 'string' ? e.key.codePointAt(0) as number : e.key, e.value, vm);
      return d;
    }
    const a = [...(args[0] as string)], b = [...(args[1] as string)];
    if (a.length !== b.length) throw raise(ValueError, 'the first two maketrans arguments must have equal length');
    a.forEach((c, i) => d.table.set(c.codePointAt(0) as number, b[i].codePointAt(0) as number, vm));
    if (args[2] !== undefined) for (const c of args[2] as string) d.table.set(c.codePointAt(0) as number, null, vm);
    return d;
  }, strType)));
  method(T, 'translate', (self, args) => {
    let out = '';
    for (const ch of s(self, 'translate')) {
      let r: Value;
      try {
        r = ops.getItemNested(vm, args[0], ch.codePointAt(0) as number);
      } catch (e) {
        if (e instanceof Object && 'cls' in e && (isSubtype((e as { cls: PyClass }).cls, KeyError) || isSubtype((e as { cls: PyClass }).cls, IndexError))) { out += ch; continue; }
        throw e;
      }
      if (r === null) continue;
      out += typeof r === 'string' ? r : String.fromCodePoint(Number(r));
    }
    return out;
  });
  void WS;
}

function raiseConcat(v: Value): never {
  throw raise(TypeError, `can only concatenate str (not "${typeOf(v).name}") to str`);
}

function affix(vm: VM, str: string, args: Value[], start: boolean): boolean {
  const [a, b] = range(vm, str.length, args[1], args[2]);
  const sub = str.slice(a, b);
  const check = (p: Value): boolean => {
    if (typeof p !== 'string') {
      throw raise(TypeError, `${start ? 'startswith' : 'endswith'} first arg must be str or a tuple of str, not ${typeOf(p).name}`);
    }
    if (a > str.length) return false;
    return start ? sub.startsWith(p) : sub.endsWith(p);
  };
  const p = args[0];
  if (p instanceof PyTuple) return p.items.some(check);
  return check(p);
}

/** str.format: fields `{name.attr[key]!conv:spec}`, auto/manual numbering, `{{`/`}}`. */
export function strFormat(vm: VM, fmt: string, args: Value[], kw: Map<string, Value> | null, mapping?: Value): string {
  let out = '';
  let auto = 0;
  let mode: 'auto' | 'manual' | null = null;
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i];
    if (ch === '{') {
      if (fmt[i + 1] === '{') { out += '{'; i += 2; continue; }
      // find the matching close brace, allowing one level of nesting in the spec
      let depth = 1, j = i + 1;
      while (j < fmt.length && depth) { if (fmt[j] === '{') depth++; else if (fmt[j] === '}') depth--; if (depth) j++; }
      if (depth) throw raise(ValueError, "expected '}' before end of string");
      const field = fmt.slice(i + 1, j);
      i = j + 1;
      const m = /^([^!:]*)(?:!([^:]*))?(?::(.*))?$/s.exec(field) as RegExpExecArray;
      const [, name, conv, specRaw] = m;
      let first = /^[^.[]*/.exec(name)?.[0] ?? '';
      let value: Value;
      if (first === '') {
        if (mode === 'manual') throw raise(ValueError, 'cannot switch from manual field specification to automatic field numbering');
        mode = 'auto';
        first = String(auto++);
      } else if (/^\d+$/.test(first)) {
        if (mode === 'auto') throw raise(ValueError, 'cannot switch from automatic field numbering to manual field specification');
        mode = 'manual';
      }
      if (/^\d+$/.test(first)) {
        const k = parseInt(first, 10);
        if (k >= args.length) throw raise(IndexError, `Replacement index ${k} out of range for positional args tuple`);
        value = args[k];
      } else if (mapping !== undefined) {
        value = ops.getItemNested(vm, mapping, first);
      } else {
        const v = kw?.get(first);
        if (v === undefined) throw vm.keyError(first);
        value = v;
      }
      let rest = name.slice(/^[^.[]*/.exec(name)?.[0].length ?? 0);
      while (rest) {
        const attr = /^\.([^.[]+)/.exec(rest);
        if (attr) { value = ops.getAttrNested(vm, value, attr[1]); rest = rest.slice(attr[0].length); continue; }
        const idx = /^\[([^\]]+)\]/.exec(rest);
        if (idx) {
          const key = /^\d+$/.test(idx[1]) ? parseInt(idx[1], 10) : idx[1];
          value = ops.getItemNested(vm, value, key);
          rest = rest.slice(idx[0].length);
          continue;
        }
        throw raise(ValueError, 'Only \'.\' or \'[\' may follow \']\' in format field specifier');
      }
      if (conv === 'r') value = vm.repr(value);
      else if (conv === 's') value = vm.str(value);
      else if (conv === 'a') value = ops.asciiOf(vm.repr(value));
      else if (conv !== undefined) throw raise(ValueError, `Unknown conversion specifier ${conv}`);
      const spec = specRaw ? strFormat(vm, specRaw, args, kw, mapping) : '';
      out += ops.formatValue(vm, value, spec);
      continue;
    }
    if (ch === '}') {
      if (fmt[i + 1] === '}') { out += '}'; i += 2; continue; }
      throw raise(ValueError, "Single '}' encountered in format string");
    }
    out += ch;
    i++;
  }
  return out;
}

/** int(text, base): CPython's rules (whitespace, sign, underscores, 0x/0o/0b with base 0 or matching). */
export function parseIntLiteral(text: string, base: number): N.Int {
  const bad = (): never => { throw raise(ValueError, `invalid literal for int() with base ${base}: ${strReprShort(text)}`); };
  let t = text.trim();
  let neg = false;
  if (t[0] === '+' || t[0] === '-') { neg = t[0] === '-'; t = t.slice(1); }
  let b = base;
  const prefix = t.slice(0, 2).toLowerCase();
  if ((b === 0 || b === 16) && prefix === '0x') { b = 16; t = t.slice(2); }
  else if ((b === 0 || b === 8) && prefix === '0o') { b = 8; t = t.slice(2); }
  else if ((b === 0 || b === 2) && prefix === '0b') { b = 2; t = t.slice(2); }
  else if (b === 0) {
    b = 10;
    if (/^0+[1-9]/.test(t.replace(/_/g, ''))) bad();
  }
  if (t.startsWith('_')) t = b !== base || base === 0 ? t.slice(1) : t;
  if (!t || t.startsWith('_') || t.endsWith('_') || t.includes('__')) bad();
  t = t.replace(/_/g, '');
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
  for (const c of t.toLowerCase()) if (!digits.includes(c)) bad();
  let r: bigint;
  if (b === 10) r = BigInt(t);
  else {
    r = 0n;
    const B = BigInt(b);
    for (const c of t.toLowerCase()) r = r * B + BigInt(digits.indexOf(c));
  }
  return N.normBig(neg ? -r : r);
}

function strReprShort(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

export function parseFloatLiteral(text: string): number {
  const t = text.trim().replace(/(\d)_(?=\d)/g, '$1');
  const low = t.toLowerCase();
  const m = /^([+-]?)(inf|infinity|nan)$/.exec(low);
  if (m) return m[2] === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) throw raise(ValueError, `could not convert string to float: ${strReprShort(text)}`);
  return parseFloat(t);
}

export { PyFloat, toInt };
