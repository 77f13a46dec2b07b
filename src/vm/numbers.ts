// Integer and float arithmetic with CPython's semantics: small ints stay JS numbers, results
// outside the safe range become BigInt (and come back when they fit); floor division and modulo
// round toward negative infinity; float repr and fixed/exponent formatting are exact.
import { PyFloat, Value } from './values.js';
import { raise, ZeroDivisionError, OverflowError, ValueError } from './errors.js';

export type Int = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** A BigInt result back to a number when it fits (so small ints stay on the fast path). */
export function normBig(b: bigint): Int {
  return b >= MIN_SAFE && b <= MAX_SAFE ? Number(b) : b;
}

export function big(a: Int): bigint {
  return typeof a === 'bigint' ? a : BigInt(a);
}

export function intAdd(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normBig(big(a) + big(b));
}

export function intSub(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normBig(big(a) - big(b));
}

export function intMul(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  return normBig(big(a) * big(b));
}

export function intFloorDiv(a: Int, b: Int): Int {
  if (b === 0 || b === 0n) throw raise(ZeroDivisionError, 'integer division or modulo by zero');
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b;
    let q = (a - r) / b;
    if (r !== 0 && (r < 0) !== (b < 0)) q -= 1;
    return q === 0 ? 0 : q;
  }
  const A = big(a), B = big(b);
  let q = A / B;
  if (A % B !== 0n && (A < 0n) !== (B < 0n)) q -= 1n;
  return normBig(q);
}

export function intMod(a: Int, b: Int): Int {
  if (b === 0 || b === 0n) throw raise(ZeroDivisionError, 'integer modulo by zero');
  if (typeof a === 'number' && typeof b === 'number') {
    let r = a % b;
    if (r !== 0 && (r < 0) !== (b < 0)) r += b;
    return r === 0 ? 0 : r;
  }
  const A = big(a), B = big(b);
  let r = A % B;
  if (r !== 0n && (r < 0n) !== (B < 0n)) r += B;
  return normBig(r);
}

export function intPow(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number' && b < 64) {
    let r = 1;
    for (let i = 0; i < b; i++) {
      r *= a;
      if (!Number.isSafeInteger(r)) return normBig(big(a) ** big(b));
    }
    return r;
  }
  if (big(b) > 100000000n && (a !== 0 && a !== 1 && a !== -1)) throw raise(OverflowError, 'exponent too large');
  return normBig(big(a) ** big(b));
}

export function intPowMod(a: Int, b: Int, m: Int): Int {
  let M = big(m);
  if (M === 0n) throw raise(ValueError, 'pow() 3rd argument cannot be 0');
  let B = big(b);
  let A = big(a);
  const neg = M < 0n;
  if (neg) M = -M;
  if (B < 0n) {
    A = modInverse(A, M);
    B = -B;
  }
  let result = 1n % M;
  A = ((A % M) + M) % M;
  while (B > 0n) {
    if (B & 1n) result = (result * A) % M;
    A = (A * A) % M;
    B >>= 1n;
  }
  if (neg && result !== 0n) result -= M;
  return normBig(result);
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw raise(ValueError, 'base is not invertible for the given modulus');
  return ((oldS % m) + m) % m;
}

export function intNeg(a: Int): Int {
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  return normBig(-a);
}

export function intShift(a: Int, b: Int, left: boolean): Int {
  if (b < 0) throw raise(ValueError, 'negative shift count');
  if (typeof a === 'number' && typeof b === 'number') {
    if (!left) {
      if (b >= 53) return a < 0 ? -1 : 0;
      return Math.floor(a / 2 ** b);
    }
    const r = a * 2 ** b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normBig(left ? big(a) << big(b) : big(a) >> big(b));
}

export function intBitOp(a: Int, b: Int, op: '&' | '|' | '^'): Int {
  if (typeof a === 'number' && typeof b === 'number' && a >= -0x80000000 && a <= 0x7fffffff && b >= -0x80000000 && b <= 0x7fffffff) {
    return op === '&' ? a & b : op === '|' ? a | b : a ^ b;
  }
  const A = big(a), B = big(b);
  return normBig(op === '&' ? A & B : op === '|' ? A | B : A ^ B);
}

export function intInvert(a: Int): Int {
  return intSub(intNeg(a), 1);
}

export function intToFloat(a: Int): number {
  const f = Number(a);
  if (!Number.isFinite(f)) throw raise(OverflowError, 'int too large to convert to float');
  return f;
}

export function floatFloorDiv(a: number, b: number): number {
  if (b === 0) throw raise(ZeroDivisionError, 'float floor division by zero');
  const m = floatMod(a, b);
  return Math.round((a - m) / b);
}

export function floatMod(a: number, b: number): number {
  if (b === 0) throw raise(ZeroDivisionError, 'float modulo');
  let m = a % b;
  if (m !== 0) {
    if ((b < 0) !== (m < 0)) m += b;
  } else m = b < 0 ? -0 : 0;
  return m;
}

export function floatPow(a: number, b: number): number {
  if (a === 0 && b < 0) throw raise(ZeroDivisionError, '0.0 cannot be raised to a negative power');
  if (a < 0 && !Number.isInteger(b)) throw raise(ValueError, 'complex results are not supported');
  const r = a ** b;
  if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b)) throw raise(OverflowError, "(34, 'Numerical result out of range')");
  return r;
}

// ---- float formatting -----------------------------------------------------------------

/** repr(float): the shortest round-tripping digits, laid out as CPython's 'r' format does. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const exp = x.toExponential(); // shortest digits: "d.ddde+N"
  const neg = exp.startsWith('-');
  const [mant, e] = (neg ? exp.slice(1) : exp).split('e');
  const digits = mant.replace('.', '');
  const decExp = parseInt(e, 10);
  let out: string;
  if (decExp >= -4 && decExp < 16) {
    if (decExp < 0) out = '0.' + '0'.repeat(-decExp - 1) + digits;
    else if (digits.length <= decExp + 1) out = digits + '0'.repeat(decExp + 1 - digits.length) + '.0';
    else out = digits.slice(0, decExp + 1) + '.' + digits.slice(decExp + 1);
  } else {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    out = m + 'e' + (decExp < 0 ? '-' : '+') + String(Math.abs(decExp)).padStart(2, '0');
  }
  return neg ? '-' + out : out;
}

/** The exact decimal expansion of a finite double: digits and the position of the point. */
function exactDecimal(x: number): { digits: string; point: number } {
  // x = mantissa * 2^exp exactly
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const hi = buf.getUint32(0), lo = buf.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074;
  else { mant |= 1n << 52n; exp = biased - 1075; }
  if (exp >= 0) return { digits: (mant << BigInt(exp)).toString(), point: (mant << BigInt(exp)).toString().length };
  const scaled = mant * 5n ** BigInt(-exp); // value = scaled / 10^-exp
  const s = scaled.toString();
  return { digits: s, point: s.length + exp };
}

/** Rounds a digit string (value = 0.digits * 10^point) to `keep` digits, half to even. */
function roundDigits(digits: string, keep: number): { digits: string; carry: boolean } {
  if (keep >= digits.length) return { digits: digits + '0'.repeat(keep - digits.length), carry: false };
  if (keep < 0) return { digits: '', carry: false };
  const head = digits.slice(0, keep);
  const rest = digits.slice(keep);
  let roundUp: boolean;
  if (rest[0] > '5') roundUp = true;
  else if (rest[0] < '5') roundUp = false;
  else if (/[1-9]/.test(rest.slice(1))) roundUp = true;
  else roundUp = keep > 0 ? (parseInt(head[keep - 1], 10) % 2 === 1) : false;
  if (!roundUp) return { digits: head, carry: false };
  const arr = head.split('');
  let i = arr.length - 1;
  while (i >= 0) {
    if (arr[i] === '9') { arr[i] = '0'; i--; } else { arr[i] = String.fromCharCode(arr[i].charCodeAt(0) + 1); break; }
  }
  if (i < 0) return { digits: '1' + arr.join(''), carry: true };
  return { digits: arr.join(''), carry: false };
}

/** format(x, '.Nf') exactly as CPython (round half to even on the exact binary value). */
export function formatFixed(x: number, prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const neg = x < 0 || Object.is(x, -0);
  if (x === 0) return (neg ? '-' : '') + (prec > 0 ? '0.' + '0'.repeat(prec) : '0');
  const { digits, point } = exactDecimal(x);
  const keep = point + prec;
  let intPart: string, frac: string;
  if (keep < 0) {
    intPart = '0'; frac = '0'.repeat(prec);
  } else {
    const r = roundDigits(digits, keep);
    const p = point + (r.carry ? 1 : 0);
    const all = r.digits;
    if (p <= 0) { intPart = '0'; frac = ('0'.repeat(-p) + all).slice(0, prec).padEnd(prec, '0'); }
    else { intPart = all.slice(0, p) || '0'; frac = all.slice(p, p + prec).padEnd(prec, '0'); }
  }
  intPart = intPart.replace(/^0+(?=\d)/, '');
  return (neg ? '-' : '') + intPart + (prec > 0 ? '.' + frac : '');
}

/** format(x, '.Ne'): N digits after the point in scientific notation. */
export function formatExp(x: number, prec: number, upper = false): string {
  if (!Number.isFinite(x)) { const s = Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'; return upper ? s.toUpperCase() : s; }
  const neg = x < 0 || Object.is(x, -0);
  let digits: string, e: number;
  if (x === 0) { digits = '0'.repeat(prec + 1); e = 0; }
  else {
    const d = exactDecimal(x);
    const stripped = d.digits.replace(/^0+/, '');
    const lead = d.digits.length - stripped.length;
    const r = roundDigits(stripped, prec + 1);
    digits = r.digits.slice(0, prec + 1);
    e = d.point - lead - 1 + (r.carry ? 1 : 0);
  }
  const m = prec > 0 ? digits[0] + '.' + digits.slice(1) : digits[0];
  const es = (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
  return (neg ? '-' : '') + m + (upper ? 'E' : 'e') + es;
}

/** format(x, '.Ng') — general format with CPython's rules (strip zeros unless alt). */
export function formatGeneral(x: number, prec: number, upper = false, alt = false): string {
  if (!Number.isFinite(x)) { const s = Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'; return upper ? s.toUpperCase() : s; }
  if (prec === 0) prec = 1;
  let exp: number;
  if (x === 0) exp = 0;
  else {
    const s = formatExp(x, prec - 1);
    exp = parseInt(s.slice(s.indexOf('e') + 1), 10);
  }
  let out: string;
  if (exp >= -4 && exp < prec) {
    out = formatFixed(x, prec - 1 - exp);
    if (!alt && out.includes('.')) out = out.replace(/\.?0+$/, '');
  } else {
    out = formatExp(x, prec - 1, upper);
    if (!alt) out = out.replace(/\.?0+(?=[eE])/, '');
  }
  return out;
}

/** round(x, n) for floats: CPython rounds the exact value half to even. */
export function roundFloat(x: number, n: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (n > 330) return x;
  if (n < -330) return 0 * x;
  if (n >= 0) return parseFloat(formatFixed(x, n));
  const s = formatFixed(x / 10 ** -n, 0);
  return parseFloat(s) * 10 ** -n;
}

export function toPyFloat(v: number): PyFloat {
  return new PyFloat(v);
}

export function isInt(v: Value): v is Int {
  return typeof v === 'number' || typeof v === 'bigint';
}
