// The format-spec mini-language (format(), f-strings, str.format) and printf-style `%`
// formatting, for the builtin types, matching CPython's Python/formatter_unicode.c and
// Objects/unicodeobject.c (PyUnicode_Format).
import { PyFloat, PyTuple, Value, PyObject } from './values.js';
import { PyDict } from './objects.js';
import { raise, TypeError, ValueError, OverflowError } from './errors.js';
import { typeOf, lookup } from './types.js';
import * as N from './numbers.js';
import type { VM } from './interp.js';

interface Spec {
  fill: string;
  align: string;
  sign: string;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number;
  type: string;
}

function parseSpec(spec: string, forType: string): Spec {
  const m = /^(?:(.)?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([a-zA-Z%])?$/su.exec(spec);
  if (!m) throw raise(ValueError, `Invalid format specifier '${spec}' for object of type '${forType}'`);
  const zero = m[5] !== undefined;
  return {
    fill: m[1] ?? (zero && !m[2] ? '0' : ' '),
    align: m[2] ?? (zero && !m[2] ? '=' : ''),
    sign: m[3] ?? '-',
    alt: m[4] !== undefined,
    zero,
    width: m[6] !== undefined ? parseInt(m[6], 10) : 0,
    grouping: m[7] ?? '',
    precision: m[8] !== undefined ? parseInt(m[8], 10) : -1,
    type: m[9] ?? '',
  };
}

function group(intDigits: string, sep: string, every: number): string {
  if (!sep) return intDigits;
  let out = '';
  for (let i = 0; i < intDigits.length; i++) {
    if (i > 0 && (intDigits.length - i) % every === 0) out += sep;
    out += intDigits[i];
  }
  return out;
}

function pad(body: string, sign: string, s: Spec, defaultAlign: string): string {
  const align = s.align || defaultAlign;
  const len = [...sign].length + [...body].length;
  if (len >= s.width) return sign + body;
  const n = s.width - len;
  switch (align) {
    case '<': return sign + body + s.fill.repeat(n);
    case '>': return s.fill.repeat(n) + sign + body;
    case '^': return s.fill.repeat(Math.floor(n / 2)) + sign + body + s.fill.repeat(n - Math.floor(n / 2));
    default: return sign + s.fill.repeat(n) + body; // '=': padding after the sign
  }
}

function signOf(neg: boolean, s: Spec): string {
  if (neg) return '-';
  return s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
}

export function formatInt(v: N.Int, s: Spec): string {
  const neg = v < 0;
  const abs = neg ? (typeof v === 'bigint' ? -v : -v) : v;
  let digits: string;
  let prefix = '';
  switch (s.type) {
    case 'b': digits = abs.toString(2); prefix = s.alt ? '0b' : ''; break;
    case 'o': digits = abs.toString(8); prefix = s.alt ? '0o' : ''; break;
    case 'x': digits = abs.toString(16); prefix = s.alt ? '0x' : ''; break;
    case 'X': digits = abs.toString(16).toUpperCase(); prefix = s.alt ? '0X' : ''; break;
    case 'c': return pad(String.fromCodePoint(Number(v)), '', s, '<');
    case '': case 'd': case 'n': digits = abs.toString(); break;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case '%':
      return formatFloat(N.intToFloat(v), s);
    default:
      throw raise(ValueError, `Unknown format code '${s.type}' for object of type 'int'`);
  }
  const every = s.type === '' || s.type === 'd' || s.type === 'n' ? 3 : 4;
  if (s.zero && s.align === '=' && s.grouping) {
    // zero padding participates in grouping
    const width = s.width - prefix.length - signOf(neg, s).length;
    while (group(digits, s.grouping, every).length < width) digits = '0' + digits;
    return signOf(neg, s) + prefix + group(digits, s.grouping, every);
  }
  // with '=' alignment the prefix belongs with the sign, before the padding
  if ((s.align || '>') === '=') return pad(group(digits, s.grouping, every), signOf(neg, s) + prefix, s, '>');
  return pad(prefix + group(digits, s.grouping, every), signOf(neg, s), s, '>');
}

export function formatFloat(x: number, s: Spec): string {
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let body: string;
  let type = s.type;
  const prec = s.precision < 0 ? 6 : s.precision;
  switch (type) {
    case 'f': case 'F': body = N.formatFixed(ax, prec); if (type === 'F') body = body.toUpperCase(); break;
    case 'e': case 'E': body = N.formatExp(ax, prec, type === 'E'); break;
    case 'g': case 'G': body = N.formatGeneral(ax, prec, type === 'G', s.alt); break;
    case '%': body = N.formatFixed(ax * 100, prec) + '%'; break;
    case '': case 'n':
      if (s.precision < 0) body = N.floatRepr(ax);
      else {
        body = N.formatGeneral(ax, prec, false, s.alt);
        if (/^\d+$/.test(body) && Number.isFinite(ax)) body = body; // CPython keeps "1e+02" style but no ".0"
      }
      type = '';
      break;
    default:
      throw raise(ValueError, `Unknown format code '${s.type}' for object of type 'float'`);
  }
  if (!Number.isFinite(ax) && s.fill === '0' && !s.align) {
    return pad(body, signOf(neg, s), { ...s, fill: ' ' }, '>');
  }
  if (s.grouping) {
    const m = /^(\d+)(.*)$/s.exec(body);
    if (m) body = group(m[1], s.grouping, 3) + m[2];
  }
  return pad(body, signOf(neg, s), s, '>');
}

function formatStr(v: string, s: Spec): string {
  if (s.type !== '' && s.type !== 's') throw raise(ValueError, `Unknown format code '${s.type}' for object of type 'str'`);
  if (s.sign !== '-' ) throw raise(ValueError, 'Sign not allowed in string format specifier');
  if (s.align === '=') throw raise(ValueError, "'=' alignment not allowed in string format specifier");
  const body = s.precision >= 0 ? [...v].slice(0, s.precision).join('') : v;
  return pad(body, '', s, '<');
}

/** format(value, spec) for builtin values (users' __format__ is handled by the caller). */
export function formatWithSpec(vm: VM, v: Value, spec: string): string {
  if (typeof v === 'string') return spec === '' ? v : formatStr(v, parseSpec(spec, 'str'));
  if (typeof v === 'boolean') {
    if (spec === '') return v ? 'True' : 'False';
    const s = parseSpec(spec, 'bool');
    if (s.type === '' || s.type === 's') return formatStr(v ? 'True' : 'False', s);
    return formatInt(v ? 1 : 0, s);
  }
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (spec === '') return String(v);
    const s = parseSpec(spec, 'int');
    if (s.precision >= 0 && 'eEfFgG%'.indexOf(s.type) < 0) throw raise(ValueError, 'Precision not allowed in integer format specifier');
    return formatInt(v, s);
  }
  if (v instanceof PyFloat) {
    if (spec === '') return N.floatRepr(v.value);
    return formatFloat(v.value, parseSpec(spec, 'float'));
  }
  const text = vm.str(v);
  if (spec === '') return text;
  throw raise(TypeError, `unsupported format string passed to ${typeOf(v).name}.__format__`);
}

// ---- printf-style ----------------------------------------------------------------------

/** `fmt % args` (CPython's PyUnicode_Format). */
export function percentFormat(vm: VM, fmt: string, args: Value): string {
  let items: Value[];
  let mapping: PyDict | null = null;
  if (args instanceof PyTuple) items = args.items;
  else {
    items = [args];
    if (args instanceof PyDict) mapping = args;
  }
  let idx = 0;
  const next = (): Value => {
    if (idx >= items.length) throw raise(TypeError, 'not enough arguments for format string');
    return items[idx++];
  };
  let out = '';
  let usedMapping = false;
  const re = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/gy;
  let i = 0;
  while (i < fmt.length) {
    const p = fmt.indexOf('%', i);
    if (p < 0) { out += fmt.slice(i); break; }
    out += fmt.slice(i, p);
    re.lastIndex = p;
    const m = re.exec(fmt);
    if (!m) {
      if (p + 1 >= fmt.length) throw raise(ValueError, 'incomplete format');
      throw raise(ValueError, `unsupported format character '${fmt[p + 1]}' (0x${fmt.charCodeAt(p + 1).toString(16)}) at index ${p + 1}`);
    }
    i = re.lastIndex;
    const [, key, flags, widthS, precS, conv] = m;
    if (conv === '%') { out += '%'; continue; }
    let value: Value;
    if (key !== undefined) {
      if (!mapping) throw raise(TypeError, 'format requires a mapping');
      usedMapping = true;
      const e = mapping.table.get(key, vm);
      if (e === undefined) throw vm.keyError(key);
      value = e.value;
    } else value = null;
    const width = widthS === '*' ? Number(next()) : widthS ? parseInt(widthS, 10) : 0;
    const prec = precS === '*' ? Number(next()) : precS !== undefined ? parseInt(precS, 10) : -1;
    if (key === undefined) value = next();
    const left = flags.includes('-');
    const zero = flags.includes('0') && !left;
    const spec: Spec = {
      fill: zero ? '0' : ' ', align: left ? '<' : zero ? '=' : '>', sign: flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '-',
      alt: flags.includes('#'), zero, width, grouping: '', precision: prec, type: '',
    };
    let text: string;
    switch (conv) {
      case 's': text = vm.str(value); if (prec >= 0) text = text.slice(0, prec); text = pad(text, '', { ...spec, fill: ' ' }, '>'); break;
      case 'r': text = vm.repr(value); if (prec >= 0) text = text.slice(0, prec); text = pad(text, '', { ...spec, fill: ' ' }, '>'); break;
      case 'a': text = pad(vm.repr(value), '', { ...spec, fill: ' ' }, '>'); break;
      case 'c': {
        const ch = typeof value === 'string' ? value : String.fromCodePoint(Number(value));
        text = pad(ch, '', { ...spec, fill: ' ' }, '>');
        break;
      }
      case 'd': case 'i': case 'u': {
        const n = toIntForFormat(vm, value, conv);
        text = formatInt(n, { ...spec, type: 'd', precision: -1 });
        if (prec > 0) {
          const neg = n < 0;
          const digits = (neg ? -n : n).toString().padStart(prec, '0');
          text = pad(digits, signOf(neg, spec), spec, '>');
        }
        break;
      }
      case 'o': case 'x': case 'X': {
        const n = toIntForFormat(vm, value, conv);
        text = formatInt(n, { ...spec, type: conv });
        break;
      }
      default: {
        let x: number;
        if (value instanceof PyFloat) x = value.value;
        else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') x = Number(value);
        else {
          const f = value instanceof PyObject ? lookup(value.cls, '__float__') : undefined;
          if (f === undefined) throw raise(TypeError, `must be real number, not ${typeOf(value).name}`);
          x = (vm.callNested(f, [value]) as PyFloat).value;
        }
        text = formatFloat(x, { ...spec, type: conv, precision: prec < 0 ? 6 : prec });
      }
    }
    out += text;
  }
  if (idx < items.length && !usedMapping && !(args instanceof PyDict)) {
    throw raise(TypeError, 'not all arguments converted during string formatting');
  }
  return out;
}

function toIntForFormat(vm: VM, v: Value, conv: string): N.Int {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) {
    if (conv === 'd' || conv === 'i' || conv === 'u') {
      if (!Number.isFinite(v.value)) throw raise(OverflowError, 'cannot convert float infinity to integer');
      return N.normBig(BigInt(Math.trunc(v.value)));
    }
    throw raise(TypeError, `%${conv} format: an integer is required, not float`);
  }
  const idx = v instanceof PyObject ? lookup(v.cls, '__index__') ?? lookup(v.cls, '__int__') : undefined;
  if (idx !== undefined) return vm.callNested(idx, [v]) as N.Int;
  throw raise(TypeError, `%${conv} format: a real number is required, not ${typeOf(v).name}`);
}
