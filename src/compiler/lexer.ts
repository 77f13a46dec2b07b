// Source text → tokens with values: runs the Chevrotain lexer, decodes string literals, splits
// f-strings into PEP 701-style pieces whose embedded expressions are ordinary tokens at their
// true offsets, and turns the first lexical fault into an ErrorToken that ends the stream.
// Line breaks stay physical here; indent.ts makes the logical NEWLINE/INDENT/DEDENT layout.

import { Lexer, type IToken, type TokenType } from 'chevrotain';
import { SpySyntaxError } from './diagnostics.js';
import {
  ErrorToken, FStringConversion, FStringEnd, FStringFieldEnd, FStringFieldStart, FStringMiddle,
  FStringSelfDoc, FStringSpecStart, FStringStart, InvalidChar, lexedTokens, Newline, NumberLit,
  StringLit, stringQuoteIndex, type LexFault,
} from './tokens.js';

/** What the lexer hands on: tokens (maybe ending in an ErrorToken) and where f-strings are. */
export interface LexResult {
  tokens: IToken[];
  /** [start, end) offset pairs of f-string literals, for prefixing parse errors with "f-string: " */
  fstrings: number[];
}

/** A Chevrotain lexer over spy's vocabulary; `validate` is for tests (it costs start-up time). */
export function createLexer(validate = false): Lexer {
  return new Lexer(lexedTokens, {
    positionTracking: 'onlyOffset',
    ensureOptimizations: true,
    skipValidations: !validate,
  });
}

let shared: Lexer | null = null;

/** Tokenizes a whole module. Never throws: a fault becomes the last token, an ErrorToken. */
export function tokenize(source: string): LexResult {
  shared ??= createLexer();
  const out: IToken[] = [];
  const fstrings: number[] = [];
  const tokens = shared.tokenize(source).tokens;
  try {
    for (let i = 0; i < tokens.length; i++) accept(tokens[i]!, source, out, fstrings);
  } catch (e) {
    if (!(e instanceof SpySyntaxError)) throw e;
    out.push(makeToken(ErrorToken, '', e.offset, e));
  }
  return { tokens: out, fstrings };
}

/** A token of the same shape the lexer makes with positionTracking 'onlyOffset'. */
export function makeToken(type: TokenType, image: string, startOffset: number, payload?: unknown): IToken {
  const t: IToken = { image, startOffset, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type };
  if (payload !== undefined) t.payload = payload;
  return t;
}

/** End offset (exclusive) of a token. */
export const tokenEnd = (t: IToken) => t.startOffset + t.image.length;

/** A SyntaxError over [offset, end), at least one character wide. */
/** `end` -1 marks a fault CPython reports without an end offset (it prints no caret for it). */
export function syntaxError(msg: string, offset: number, end = offset + 1): SpySyntaxError {
  return new SpySyntaxError('SyntaxError', msg, offset, end === -1 ? -1 : end > offset ? end : offset + 1);
}

function isFault(p: unknown): p is LexFault {
  return typeof p === 'object' && p !== null && 'fault' in p;
}

/** Checks, decodes or splits one raw token onto `out`; throws SpySyntaxError on a fault. */
function accept(t: IToken, source: string, out: IToken[], fstrings: number[]): void {
  const type = t.tokenType;
  if (type === StringLit) {
    if (isFault(t.payload)) throw syntaxError(t.payload.fault, t.payload.offset, t.payload.end);
    const qi = stringQuoteIndex(t.image, 0);
    if (/[fF]/.test(t.image.slice(0, qi))) {
      new FStringSplitter(source, t, out, fstrings).run();
      return;
    }
    t.payload = decodeLiteral(t.image, qi, t.startOffset);
  } else if (type === NumberLit) {
    if (isFault(t.payload)) throw syntaxError(t.payload.fault, t.payload.offset, t.payload.end);
  } else if (type === InvalidChar) {
    if (!checkInvalidChar(t, source)) return;
  }
  out.push(t);
}

/**
 * CPython's tokenizer faults for a character that starts no token. Printable ASCII junk (`$`,
 * `?`, `!`) is kept for the parser to call invalid syntax; false means drop the token.
 */
function checkInvalidChar(t: IToken, source: string): boolean {
  const at = t.startOffset;
  if (t.image === '\\') {
    if (at + 1 >= source.length) throw syntaxError('unexpected EOF while parsing', source.length);
    throw syntaxError('unexpected character after line continuation character', at + 1);
  }
  const code = t.image.codePointAt(0)!;
  if (code === 0xfeff && at === 0) return false; // a UTF-8 byte order mark, which CPython skips
  if (code === 0) throw syntaxError('source code cannot contain null bytes', at);
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  if (code < 32 || code === 127 || /[\p{C}\p{Z}]/u.test(t.image)) {
    throw syntaxError(`invalid non-printable character U+${hex}`, at);
  }
  if (code >= 128) throw syntaxError(`invalid character '${t.image}' (U+${hex})`, at);
  return true;
}

// ---- string literals ----------------------------------------------------------------------------

/**
 * The value of a (non-f) string literal token: a string, or a Uint8Array for bytes.
 * `qi` is the index of the opening quote within the image (after the prefix).
 */
function decodeLiteral(image: string, qi: number, start: number): string | Uint8Array {
  const prefix = image.slice(0, qi).toLowerCase();
  const q = image[qi]!;
  const qlen = image.length >= qi + 6 && image.startsWith(q + q + q, qi) ? 3 : 1;
  const body = image.slice(qi + qlen, image.length - qlen);
  const end = start + image.length;
  const bytes = prefix.includes('b');
  if (bytes && /[^\x00-\x7f]/.test(body)) throw syntaxError('bytes can only contain ASCII literal characters', start, end);
  const text = prefix.includes('r') ? normalizeNewlines(body) : decodeEscapes(body, bytes, end);
  if (!bytes) return text;
  const b = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i);
  return b;
}

/** Python reads source with universal newlines, so a literal's CRLF is one '\n'. */
const normalizeNewlines = (s: string) => (s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s);

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/**
 * Backslash escapes as in CPython's decode_unicode_with_escapes / _PyBytes_DecodeEscape; for
 * bytes the result holds char codes < 256. Errors use CPython's wording and point at `errorAt`
 * (the literal's end, where CPython 3.11 puts the caret).
 */
export function decodeEscapes(body: string, bytes: boolean, errorAt: number): string {
  if (!body.includes('\\')) return normalizeNewlines(body);
  let out = '';
  let i = 0;
  const n = body.length;
  const unicodeError = (s: number, e: number, what: string) =>
    syntaxError(`(unicode error) 'unicodeescape' codec can't decode bytes in position ${s}-${e}: ${what}`, errorAt);
  while (i < n) {
    const bs = body.indexOf('\\', i);
    if (bs < 0) { out += normalizeNewlines(body.slice(i)); break; }
    out += normalizeNewlines(body.slice(i, bs));
    const c = body[bs + 1];
    i = bs + 2;
    if (c === undefined) { out += '\\'; break; }
    if (c === '\n') continue;
    if (c === '\r') { if (body[i] === '\n') i++; continue; }
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) { out += simple; continue; }
    if (c >= '0' && c <= '7') {
      let v = c.charCodeAt(0) - 48;
      for (let k = 0; k < 2 && body[i]! >= '0' && body[i]! <= '7'; k++) v = v * 8 + body.charCodeAt(i++) - 48;
      out += String.fromCharCode(bytes ? v & 0xff : v);
      continue;
    }
    const digits = c === 'x' ? 2 : bytes ? 0 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
    if (digits > 0) {
      let k = 0;
      while (k < digits && /[0-9a-fA-F]/.test(body[i + k] ?? '')) k++;
      if (k < digits) {
        if (bytes) throw syntaxError(`(value error) invalid \\x escape at position ${bs}`, errorAt);
        const name = c === 'x' ? '\\xXX' : c === 'u' ? '\\uXXXX' : '\\UXXXXXXXX';
        throw unicodeError(bs, bs + 1 + k, `truncated ${name} escape`);
      }
      const v = parseInt(body.slice(i, i + digits), 16);
      if (v > 0x10ffff) throw unicodeError(bs, bs + 1 + digits, 'illegal Unicode character');
      out += String.fromCodePoint(v);
      i += digits;
      continue;
    }
    if (c === 'N' && !bytes) {
      // spy carries no Unicode name table, so every \N{...} is an unknown name to it.
      const close = body[i] === '{' ? body.indexOf('}', i) : -1;
      if (close < 0) throw unicodeError(bs, bs + 1, 'malformed \\N character escape');
      throw unicodeError(bs, close, 'unknown Unicode character name');
    }
    out += '\\' + c; // unknown escapes stay as written (CPython only warns)
  }
  return out;
}

// ---- f-strings ----------------------------------------------------------------------------------

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * Splits one f-string token the way CPython 3.11's fstring_find_literal / fstring_find_expr
 * scan it, emitting FStringStart, FStringMiddle (decoded text), FStringFieldStart, the field's
 * expression tokens (lexed at their true offsets), FStringSelfDoc, FStringConversion,
 * FStringSpecStart + nested pieces, FStringFieldEnd, FStringEnd. Faults use 3.11's messages and,
 * like 3.11, point at the end of the literal.
 */
class FStringSplitter {
  private readonly raw: boolean;
  private readonly bodyStart: number;
  private readonly bodyEnd: number;
  private readonly end: number;
  private readonly qlen: number;

  constructor(
    private readonly source: string,
    private readonly tok: IToken,
    private readonly out: IToken[],
    private readonly fstrings: number[],
  ) {
    const image = tok.image;
    const qi = stringQuoteIndex(image, 0);
    const q = image[qi]!;
    this.raw = /[rR]/.test(image.slice(0, qi));
    this.qlen = image.length >= qi + 6 && image.startsWith(q + q + q, qi) ? 3 : 1;
    this.bodyStart = tok.startOffset + qi + this.qlen;
    this.end = tok.startOffset + image.length;
    this.bodyEnd = this.end - this.qlen;
  }

  run(): void {
    const { tok, out } = this;
    this.fstrings.push(tok.startOffset, this.end);
    out.push(makeToken(FStringStart, tok.image.slice(0, this.bodyStart - tok.startOffset), tok.startOffset));
    this.literalAndFields(this.bodyStart, 0);
    out.push(makeToken(FStringEnd, tok.image.slice(tok.image.length - this.qlen), this.bodyEnd));
  }

  private fail(msg: string): never {
    throw syntaxError(msg, this.end);
  }

  /** Literal text and {fields} from `i` to the end of the body (level 0) or a spec's `}`. */
  private literalAndFields(i: number, level: number): number {
    const { source, bodyEnd } = this;
    let litStart = i;
    const flush = (to: number) => {
      if (to > litStart) {
        const text = source.slice(litStart, to);
        const value = this.raw ? normalizeNewlines(text) : decodeEscapes(text, false, this.end);
        this.out.push(makeToken(FStringMiddle, text, litStart, value));
      }
    };
    while (i < bodyEnd) {
      const c = source[i];
      if (c === '\\' && !this.raw) {
        const next = source[i + 1];
        if (next === 'N' && source[i + 2] === '{') {
          const close = source.indexOf('}', i + 3);
          i = close < 0 || close >= bodyEnd ? bodyEnd : close + 1;
        } else {
          // A brace after a backslash is still a brace (CPython only warns about `\{`).
          i += next === '{' || next === '}' ? 1 : 2;
        }
        continue;
      }
      if (c === '{' || c === '}') {
        if (level === 0 && source[i + 1] === c) {
          flush(i + 1); // the literal keeps one brace of the pair
          i += 2;
          litStart = i;
          continue;
        }
        if (c === '}') {
          if (level === 0) this.fail("f-string: single '}' is not allowed");
          flush(i);
          return i;
        }
        flush(i);
        i = this.field(i, level);
        litStart = i;
        continue;
      }
      i++;
    }
    flush(i);
    if (level > 0) this.fail("f-string: expecting '}'");
    return i;
  }

  /** One `{expr[=][!c][:spec]}` starting at its `{`; returns the offset after its `}`. */
  private field(open: number, level: number): number {
    const { source, bodyEnd, out } = this;
    if (level >= 2) this.fail('f-string: expressions nested too deeply');
    out.push(makeToken(FStringFieldStart, '{', open));
    const exprStart = open + 1;
    const stack: string[] = [];
    let quote = '';
    let triple = false;
    let j = exprStart;
    for (; j < bodyEnd; j++) {
      const ch = source[j]!;
      if (ch === '\\') this.fail('f-string expression part cannot include a backslash');
      if (quote) {
        if (ch === quote) {
          if (!triple) quote = '';
          else if (source[j + 1] === ch && source[j + 2] === ch) { j += 2; quote = ''; }
        }
        continue;
      }
      if (ch === "'" || ch === '"') {
        triple = source[j + 1] === ch && source[j + 2] === ch && j + 2 < bodyEnd;
        if (triple) j += 2;
        quote = ch;
      } else if (ch === '(' || ch === '[' || ch === '{') {
        stack.push(ch);
      } else if (ch === '#') {
        this.fail("f-string expression part cannot include '#'");
      } else if (stack.length === 0 && '!:}=<>'.includes(ch)) {
        // `!=`, `==`, `<=`, `>=` and lone `<`/`>` are operators; anything else ends the expression.
        if (source[j + 1] === '=' && '!=<>'.includes(ch)) { j++; continue; }
        if (ch === '<' || ch === '>') continue;
        break;
      } else if (ch === ')' || ch === ']' || ch === '}') {
        const opening = stack.pop();
        if (opening === undefined) this.fail(`f-string: unmatched '${ch}'`);
        if (CLOSER[opening] !== ch) {
          this.fail(`f-string: closing parenthesis '${ch}' does not match opening parenthesis '${opening}'`);
        }
      }
    }
    if (quote) this.fail('f-string: unterminated string');
    if (stack.length > 0) this.fail(`f-string: unmatched '${stack[stack.length - 1]}'`);
    if (j >= bodyEnd) this.fail("f-string: expecting '}'");
    const text = source.slice(exprStart, j);
    if (/^[ \t\n\r\f\v]*$/.test(text)) {
      const ch = source[j];
      this.fail(ch === '}' ? 'f-string: empty expression not allowed' : `f-string: expression required before '${ch}'`);
    }
    this.expression(exprStart, j);
    if (source[j] === '=') {
      const eq = j++;
      while (isSpace(source[j])) j++;
      if (j >= bodyEnd) this.fail("f-string: expecting '}'");
      out.push(makeToken(FStringSelfDoc, source.slice(eq, j), eq, source.slice(exprStart, j)));
    }
    if (source[j] === '!') {
      if (j + 1 >= bodyEnd) this.fail("f-string: expecting '}'");
      const conv = source[j + 1]!;
      if (conv !== 's' && conv !== 'r' && conv !== 'a') {
        this.fail("f-string: invalid conversion character: expected 's', 'r', or 'a'");
      }
      out.push(makeToken(FStringConversion, source.slice(j, j + 2), j, conv));
      j += 2;
    }
    if (source[j] === ':') {
      out.push(makeToken(FStringSpecStart, ':', j));
      if (j + 1 >= bodyEnd) this.fail("f-string: expecting '}'");
      j = this.literalAndFields(j + 1, level + 1);
    }
    if (j >= bodyEnd || source[j] !== '}') this.fail("f-string: expecting '}'");
    out.push(makeToken(FStringFieldEnd, '}', j));
    return j + 1;
  }

  /** Lexes the field's expression in place: its tokens keep their offsets in the whole source. */
  private expression(from: number, to: number): void {
    const tokens = shared!.tokenize(this.source.slice(from, to)).tokens;
    for (const t of tokens) {
      if (t.tokenType === Newline) continue; // the field is bracketed: lines join implicitly
      t.startOffset += from;
      const p: unknown = t.payload;
      if (isFault(p)) { p.offset += from; p.end += from; }
      accept(t, this.source, this.out, this.fstrings);
    }
  }
}
