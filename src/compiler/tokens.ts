// The token vocabulary of spy's Python subset: Chevrotain token types, the order the lexer tries
// them in, and the matchers for the lexemes a regex says badly (strings, numbers, Unicode names).
// Matchers never throw: a malformed number or string still becomes one token whose payload
// carries the fault, so the lexer can turn it into an error token at the right place.

import { createToken, Lexer, type CustomPatternMatcherReturn, type TokenType } from 'chevrotain';

// ---- payloads -------------------------------------------------------------------------------

/** A fault found while matching, reported later as a SpySyntaxError (offsets are absolute). */
export interface LexFault { fault: string; offset: number; end: number }
/** What a Number token carries: its value, or that it is imaginary (unsupported), or a fault. */
export type NumberPayload = { value: bigint | number } | { imaginary: true } | LexFault;

function matched(image: string, payload?: unknown): CustomPatternMatcherReturn {
  const m = [image] as CustomPatternMatcherReturn;
  if (payload !== undefined) m.payload = payload;
  return m;
}

/** 1-based line of an offset; only used on error paths. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// ---- identifiers ----------------------------------------------------------------------------

const isAsciiIdStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isAsciiIdChar = (c: number) => isAsciiIdStart(c) || (c >= 48 && c <= 57);
// Python's identifier rule (PEP 3131): XID_Start XID_Continue*, compared after NFKC.
const UNICODE_NAME = /[\p{XID_Start}_][\p{XID_Continue}]*/uy;

/** Identifier matcher: an ASCII fast path, the Unicode regex only when a non-ASCII char shows up. */
function matchIdentifier(text: string, offset: number): CustomPatternMatcherReturn | null {
  let i = offset;
  const c0 = text.charCodeAt(i);
  if (c0 < 128) {
    if (!isAsciiIdStart(c0)) return null;
    i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c < 128 && isAsciiIdChar(c)) { i++; continue; }
      if (c >= 128 && i < text.length) break; // maybe a Unicode continuation: take the slow path
      return matched(text.slice(offset, i));
    }
  }
  UNICODE_NAME.lastIndex = offset;
  const m = UNICODE_NAME.exec(text);
  if (!m) return null;
  const image = m[0];
  const normal = image.normalize('NFKC');
  // The payload carries the normalized spelling; the image must stay the source text.
  return matched(image, normal === image ? undefined : normal);
}

// ---- numbers --------------------------------------------------------------------------------

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isPotentialIdChar = (c: number) => isAsciiIdChar(c) || c >= 128;

/**
 * A number, scanned the way CPython 3.11's tokenizer does (tok_get, verify_end_of_number), so
 * that `1abc`, `1_`, `0x`, `012`, `0b2` fail with its messages and caret: CPython reports the
 * column of its read pointer after backing up, which is one character before that pointer.
 */
function matchNumber(text: string, offset: number): CustomPatternMatcherReturn | null {
  const c0 = text.charCodeAt(offset);
  if (c0 === 46 /* . */ ? !isDigit(text.charCodeAt(offset + 1)) : !isDigit(c0)) return null;
  let cur = offset;
  const at = (i: number) => text.charCodeAt(i);
  const fail = (msg: string, pointer: number, start = pointer - 1, end = start + 1) =>
    matched(text.slice(offset, Math.max(pointer, offset + 1)), { fault: msg, offset: start, end } satisfies LexFault);
  // Digits and single underscores; returns the index after them, or -(pointer) on `1_x`.
  const decimalTail = (i: number): number => {
    for (;;) {
      while (isDigit(at(i))) i++;
      if (at(i) !== 95) return i;
      if (!isDigit(at(i + 1))) return -(i + 1);
      i++;
    }
  };
  // CPython allows a keyword right after a number (`1if x else y`) with only a warning.
  const endsCleanly = (i: number): boolean => {
    const c = at(i);
    const word = (s: string) => text.startsWith(s, i + 1) && !isPotentialIdChar(at(i + 1 + s.length));
    if (c === 97 && word('nd')) return true;
    if (c === 101 && word('lse')) return true;
    if (c === 102 && word('or')) return true;
    if (c === 105) { const n = at(i + 1); if (n === 102 || n === 110 || n === 115) return true; }
    if (c === 111 && word('r')) return true;
    if (c === 110 && word('ot')) return true;
    return !isPotentialIdChar(c) || i >= text.length;
  };
  const clean = (s: string) => s.replace(/_/g, '');

  if (c0 === 48 /* 0 */) {
    const x = at(offset + 1) | 32;
    if (x === 120 || x === 111 || x === 98) {
      const kind = x === 120 ? 'hexadecimal' : x === 111 ? 'octal' : 'binary';
      const ok = x === 120 ? isHex : x === 111 ? (c: number) => c >= 48 && c <= 55 : (c: number) => c === 48 || c === 49;
      cur = offset + 2;
      for (;;) {
        if (at(cur) === 95) cur++;
        if (!ok(at(cur))) {
          if (kind !== 'hexadecimal' && isDigit(at(cur))) return fail(`invalid digit '${text[cur]}' in ${kind} literal`, cur + 1);
          return fail(`invalid ${kind} literal`, cur);
        }
        while (ok(at(cur))) cur++;
        if (at(cur) !== 95) break;
      }
      if (kind !== 'hexadecimal' && isDigit(at(cur))) return fail(`invalid digit '${text[cur]}' in ${kind} literal`, cur + 1);
      if (!endsCleanly(cur)) return fail(`invalid ${kind} literal`, cur);
      const image = text.slice(offset, cur);
      return matched(image, { value: BigInt('0' + image[1]!.toLowerCase() + clean(image.slice(2))) });
    }
  }

  let isFloat = false;
  if (c0 === 46) {
    cur = offset + 1;
  } else {
    // Integer part. A leading 0 may only be followed by more zeros, unless a fraction follows.
    const t = decimalTail(offset);
    if (t < 0) return fail('invalid decimal literal', -t);
    cur = t;
    const c = at(cur);
    if (c0 === 48 && c !== 46 && (c | 32) !== 101 && (c | 32) !== 106 && /[1-9]/.test(clean(text.slice(offset, cur)))) {
      let zerosEnd = offset;
      while (at(zerosEnd) === 48 || at(zerosEnd) === 95) zerosEnd++;
      return fail('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
        cur, offset, zerosEnd);
    }
    if (c !== 46) {
      if ((c | 32) !== 101 && (c | 32) !== 106) {
        if (!endsCleanly(cur)) return fail('invalid decimal literal', cur);
        return matched(text.slice(offset, cur), { value: BigInt(clean(text.slice(offset, cur))) });
      }
    } else {
      cur++;
    }
  }
  if (at(cur - 1) === 46) {
    isFloat = true;
    if (isDigit(at(cur))) {
      const t = decimalTail(cur);
      if (t < 0) return fail('invalid decimal literal', -t);
      cur = t;
    }
  }
  if ((at(cur) | 32) === 101) {
    const e = cur;
    let i = cur + 1;
    if (at(i) === 43 || at(i) === 45) {
      i++;
      if (!isDigit(at(i))) return fail('invalid decimal literal', i);
    } else if (!isDigit(at(i))) {
      // `1else`: the number ends before the `e`.
      if (!endsCleanly(e)) return fail('invalid decimal literal', e);
      const image = text.slice(offset, e);
      return matched(image, { value: isFloat ? Number(clean(image)) : BigInt(clean(image)) });
    }
    const t = decimalTail(i);
    if (t < 0) return fail('invalid decimal literal', -t);
    cur = t;
    isFloat = true;
  }
  if ((at(cur) | 32) === 106) {
    cur++;
    if (!endsCleanly(cur)) return fail('invalid imaginary literal', cur);
    return matched(text.slice(offset, cur), { imaginary: true });
  }
  if (!endsCleanly(cur)) return fail('invalid decimal literal', cur);
  const image = text.slice(offset, cur);
  return matched(image, { value: isFloat ? Number(clean(image)) : BigInt(clean(image)) });
}

// ---- strings --------------------------------------------------------------------------------

/** Index of the opening quote after a valid prefix (`rb`, `F`, `u`, …), or -1. */
export function stringQuoteIndex(text: string, offset: number): number {
  let i = offset;
  let seen = 0; // bit 1: r, 2: b, 4: f, 8: u
  for (; i < offset + 3; i++) {
    const c = text.charCodeAt(i) | 32;
    const bit = c === 114 ? 1 : c === 98 ? 2 : c === 102 ? 4 : c === 117 ? 8 : 0;
    if (bit === 0) break;
    if (seen & bit) return -1;
    seen |= bit;
  }
  const q = text.charCodeAt(i);
  if (q !== 39 && q !== 34) return -1;
  // Allowed prefixes: r u b f br rb fr rf (any case); u combines with nothing, b not with f.
  if ((seen & 8 && seen !== 8) || (seen & 6) === 6) return -1;
  return i;
}

/**
 * A whole string literal, prefix and quotes included, f-strings too (the lexer splits those
 * afterwards). An unterminated one swallows the rest of the text and carries CPython's message.
 */
function matchString(text: string, offset: number): CustomPatternMatcherReturn | null {
  const qi = stringQuoteIndex(text, offset);
  if (qi < 0) return null;
  const q = text.charCodeAt(qi);
  const triple = text.charCodeAt(qi + 1) === q && text.charCodeAt(qi + 2) === q;
  const n = text.length;
  let i = triple ? qi + 3 : qi + 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      i += text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10 ? 3 : 2;
      continue;
    }
    if (c === q) {
      if (!triple) return matched(text.slice(offset, i + 1));
      if (text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q) return matched(text.slice(offset, i + 3));
    } else if (!triple && (c === 10 || c === 13)) {
      break;
    }
    i++;
  }
  const stop = Math.min(i, n);
  // CPython counts the line it stopped on; a final line break does not start another line.
  const lastLine = lineOf(text, n) - (text.endsWith('\n') || text.endsWith('\r') ? 1 : 0);
  const msg = triple
    ? `unterminated triple-quoted string literal (detected at line ${Math.max(1, lastLine)})`
    : `unterminated string literal (detected at line ${lineOf(text, stop)})`;
  return matched(text.slice(offset), { fault: msg, offset, end: offset + 1 } satisfies LexFault);
}

// ---- anything else ----------------------------------------------------------------------------

/** One code point nothing else matched; the lexer decides whether it is a fault or junk. */
function matchAnyChar(text: string, offset: number): CustomPatternMatcherReturn | null {
  const c = text.charCodeAt(offset);
  const wide = c >= 0xd800 && c <= 0xdbff && offset + 1 < text.length;
  return matched(text.slice(offset, offset + (wide ? 2 : 1)));
}

// Chevrotain's first-char optimization needs every possible start char of a custom token; codes
// above 255 share a bucket per 255 codes, so one representative per bucket covers them all.
const NON_ASCII_HINT: number[] = [256];
for (let c = 510; c <= 0xffff; c += 255) NON_ASCII_HINT.push(c);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
const ASCII_LETTERS = [...range(65, 90), ...range(97, 122), 95];

// ---- token types ------------------------------------------------------------------------------

// Categories (never lexed directly): what the parser's flat operator loops consume.
/** Binary operators handled by the precedence climber (`**`, `is`, `not in` are separate). */
export const BinaryOperator = createToken({ name: 'BinaryOperator', pattern: Lexer.NA });
/** The bit/arith subset of BinaryOperator: what may follow an operand in a for-target or `*x`. */
export const BitOperator = createToken({ name: 'BitOperator', pattern: Lexer.NA, categories: [BinaryOperator] });
export const UnaryOperator = createToken({ name: 'UnaryOperator', pattern: Lexer.NA });
export const AugAssignOp = createToken({ name: 'AugAssignOp', pattern: Lexer.NA });

// Layout tokens, made by the indentation pass; Newline is also what the lexer emits per line end.
export const Newline = createToken({ name: 'Newline', pattern: /\r\n?|\n/, line_breaks: true });
export const Indent = createToken({ name: 'Indent', pattern: Lexer.NA });
export const Dedent = createToken({ name: 'Dedent', pattern: Lexer.NA });
/** Stands where lexing or layout failed; its payload is the SpySyntaxError to raise. */
export const ErrorToken = createToken({ name: 'ErrorToken', pattern: Lexer.NA });

// f-string pieces, made by the lexer when it splits an f-string literal (PEP 701's shape).
export const FStringStart = createToken({ name: 'FStringStart', pattern: Lexer.NA });
/** Literal text; payload is the decoded string. */
export const FStringMiddle = createToken({ name: 'FStringMiddle', pattern: Lexer.NA });
export const FStringEnd = createToken({ name: 'FStringEnd', pattern: Lexer.NA });
export const FStringFieldStart = createToken({ name: 'FStringFieldStart', pattern: Lexer.NA });
export const FStringFieldEnd = createToken({ name: 'FStringFieldEnd', pattern: Lexer.NA });
/** `=` of `{x=}`; payload is the text to print before the value (`x=`, spaces kept). */
export const FStringSelfDoc = createToken({ name: 'FStringSelfDoc', pattern: Lexer.NA });
/** `!r`; payload is the conversion letter. */
export const FStringConversion = createToken({ name: 'FStringConversion', pattern: Lexer.NA });
export const FStringSpecStart = createToken({ name: 'FStringSpecStart', pattern: Lexer.NA });

const Whitespace = createToken({ name: 'Whitespace', pattern: /[ \t\f]+/, group: Lexer.SKIPPED });
const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });
const Continuation = createToken({ name: 'Continuation', pattern: /\\(?:\r\n?|\n)/, group: Lexer.SKIPPED, line_breaks: true });

/** Any string literal; payload is a LexFault when unterminated (decoded later by the lexer). */
export const StringLit = createToken({
  name: 'String', pattern: { exec: matchString }, line_breaks: true,
  start_chars_hint: ["'", '"', 'r', 'R', 'b', 'B', 'u', 'U', 'f', 'F'],
});
export const NumberLit = createToken({
  name: 'Number', pattern: { exec: matchNumber }, line_breaks: false,
  start_chars_hint: ['.', ...'0123456789'],
});
export const Identifier = createToken({
  name: 'Identifier', pattern: { exec: matchIdentifier }, line_breaks: false,
  start_chars_hint: [...ASCII_LETTERS, ...range(128, 255), ...NON_ASCII_HINT],
});
/** A character no other token starts with: junk for the parser, or a fault (non-ASCII, `\`). */
export const InvalidChar = createToken({
  name: 'InvalidChar', pattern: { exec: matchAnyChar }, line_breaks: false,
  start_chars_hint: [...range(0, 255), ...NON_ASCII_HINT],
});

const keyword = (word: string) =>
  createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: word, longer_alt: Identifier });
export const False = keyword('False');
export const None = keyword('None');
export const True = keyword('True');
export const And = createToken({ name: 'And', pattern: 'and', longer_alt: Identifier, categories: [BinaryOperator] });
export const As = keyword('as');
export const Assert = keyword('assert');
export const Async = keyword('async');
export const Await = keyword('await');
export const Break = keyword('break');
export const Class = keyword('class');
export const Continue = keyword('continue');
export const Def = keyword('def');
export const Del = keyword('del');
export const Elif = keyword('elif');
export const Else = keyword('else');
export const Except = keyword('except');
export const Finally = keyword('finally');
export const For = keyword('for');
export const From = keyword('from');
export const Global = keyword('global');
export const If = keyword('if');
export const Import = keyword('import');
export const In = createToken({ name: 'In', pattern: 'in', longer_alt: Identifier, categories: [BinaryOperator] });
export const Is = keyword('is');
export const Lambda = keyword('lambda');
export const Nonlocal = keyword('nonlocal');
export const Not = keyword('not');
export const Or = createToken({ name: 'Or', pattern: 'or', longer_alt: Identifier, categories: [BinaryOperator] });
export const Pass = keyword('pass');
export const Raise = keyword('raise');
export const Return = keyword('return');
export const Try = keyword('try');
export const While = keyword('while');
export const With = keyword('with');
export const Yield = keyword('yield');

// `categories: undefined` would make Chevrotain see a category list holding undefined.
const op = (name: string, image: string, categories?: TokenType[]) =>
  createToken(categories ? { name, pattern: image, categories } : { name, pattern: image });
const bin = [BinaryOperator, BitOperator];
const aug = [AugAssignOp];
// Within one first character, longer operators come first: Chevrotain takes the first match.
export const DoubleStarEq = op('DoubleStarEq', '**=', aug);
export const DoubleStar = op('DoubleStar', '**');
export const StarEq = op('StarEq', '*=', aug);
export const Star = op('Star', '*', bin);
export const DoubleSlashEq = op('DoubleSlashEq', '//=', aug);
export const DoubleSlash = op('DoubleSlash', '//', bin);
export const SlashEq = op('SlashEq', '/=', aug);
export const Slash = op('Slash', '/', bin);
export const RShiftEq = op('RShiftEq', '>>=', aug);
export const RShift = op('RShift', '>>', bin);
export const GtE = op('GtE', '>=', [BinaryOperator]);
export const Gt = op('Gt', '>', [BinaryOperator]);
export const LShiftEq = op('LShiftEq', '<<=', aug);
export const LShift = op('LShift', '<<', bin);
export const LtE = op('LtE', '<=', [BinaryOperator]);
export const Lt = op('Lt', '<', [BinaryOperator]);
export const EqEq = op('EqEq', '==', [BinaryOperator]);
export const Equals = op('Equals', '=');
export const NotEq = op('NotEq', '!=', [BinaryOperator]);
export const Arrow = op('Arrow', '->');
export const MinusEq = op('MinusEq', '-=', aug);
export const Minus = op('Minus', '-', [...bin, UnaryOperator]);
export const PlusEq = op('PlusEq', '+=', aug);
export const Plus = op('Plus', '+', [...bin, UnaryOperator]);
export const PercentEq = op('PercentEq', '%=', aug);
export const Percent = op('Percent', '%', bin);
export const AtEq = op('AtEq', '@=', aug);
export const At = op('At', '@', bin);
export const AmpEq = op('AmpEq', '&=', aug);
export const Amp = op('Amp', '&', bin);
export const PipeEq = op('PipeEq', '|=', aug);
export const Pipe = op('Pipe', '|', bin);
export const CaretEq = op('CaretEq', '^=', aug);
export const Caret = op('Caret', '^', bin);
export const ColonEqual = op('ColonEqual', ':=');
export const Colon = op('Colon', ':');
export const Ellipsis = op('Ellipsis', '...');
export const Dot = op('Dot', '.');
export const Tilde = op('Tilde', '~', [UnaryOperator]);
export const Comma = op('Comma', ',');
export const Semicolon = op('Semicolon', ';');
export const LParen = op('LParen', '(');
export const RParen = op('RParen', ')');
export const LBracket = op('LBracket', '[');
export const RBracket = op('RBracket', ']');
export const LBrace = op('LBrace', '{');
export const RBrace = op('RBrace', '}');

/** Tokens an atom can start with: names, literals, brackets. */
export const atomStart: TokenType[] = [
  Identifier, NumberLit, StringLit, FStringStart, LParen, LBracket, LBrace, None, True, False, Ellipsis,
];

/** Token types in the order the lexer tries them (strings before names, keywords before names). */
export const lexedTokens: TokenType[] = [
  Newline, Whitespace, Comment, Continuation, StringLit, NumberLit,
  // Longest first: `as` would otherwise match the start of `assert` and hand it to Identifier.
  ...[
    False, None, True, And, As, Assert, Async, Await, Break, Class, Continue, Def, Del, Elif, Else,
    Except, Finally, For, From, Global, If, Import, In, Is, Lambda, Nonlocal, Not, Or, Pass, Raise,
    Return, Try, While, With, Yield,
  ].sort((a, b) => (b.PATTERN as string).length - (a.PATTERN as string).length),
  Identifier,
  DoubleStarEq, DoubleStar, StarEq, Star, DoubleSlashEq, DoubleSlash, SlashEq, Slash,
  RShiftEq, RShift, GtE, Gt, LShiftEq, LShift, LtE, Lt, EqEq, Equals, NotEq, Arrow,
  MinusEq, Minus, PlusEq, Plus, PercentEq, Percent, AtEq, At, AmpEq, Amp, PipeEq, Pipe,
  CaretEq, Caret, ColonEqual, Colon, Ellipsis, Dot, Tilde, Comma, Semicolon,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace,
  InvalidChar,
];

/** Everything the parser may see: the lexed tokens plus the ones later passes make. */
export const parserTokens: TokenType[] = [
  ...lexedTokens, BinaryOperator, BitOperator, UnaryOperator, AugAssignOp,
  Indent, Dedent, ErrorToken, FStringStart, FStringMiddle, FStringEnd, FStringFieldStart,
  FStringFieldEnd, FStringSelfDoc, FStringConversion, FStringSpecStart,
];
