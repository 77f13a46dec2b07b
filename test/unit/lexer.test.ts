// Unit tests for tokenizing and layout: which tokens come out, with which values and offsets;
// f-strings split into pieces at their true offsets; NEWLINE/INDENT/DEDENT as CPython's
// tokenizer makes them; and each lexical fault as the ErrorToken that ends the stream, with
// CPython 3.11's message and caret offset.
import type { IToken } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import type { SpySyntaxError } from '../../src/compiler/diagnostics.js';
import { layout } from '../../src/compiler/indent.js';
import { createLexer, tokenize } from '../../src/compiler/lexer.js';
import { ErrorToken } from '../../src/compiler/tokens.js';

/** Tokens after layout, as `Type` or `Type:image`. */
function toks(src: string): string[] {
  return layout(tokenize(src).tokens, src).map((t) =>
    ['Newline', 'Indent', 'Dedent'].includes(t.tokenType.name) ? t.tokenType.name : `${t.tokenType.name}:${t.image}`);
}

/** The raw lexer tokens (before layout). */
const raw = (src: string): IToken[] => tokenize(src).tokens;

/** The fault lexing + layout reports, as [kind, msg, offset]. */
function fault(src: string): [string, string, number] {
  const out = layout(tokenize(src).tokens, src);
  const last = out[out.length - 1]!;
  expect(last.tokenType).toBe(ErrorToken);
  const e = last.payload as SpySyntaxError;
  return [e.kind, e.msg, e.offset];
}

/** The value the lexer decoded for the only literal in `src`. */
const value = (src: string): unknown => raw(src)[0]!.payload;

describe('lexer definition', () => {
  it("passes Chevrotain's lexer validations", () => {
    const lexer = createLexer(true);
    expect(lexer.lexerDefinitionErrors).toEqual([]);
  });
});

describe('names and keywords', () => {
  it('tells keywords from names that start with them', () => {
    expect(toks('assert as async iffy in index not nothing is isinstance or order')).toEqual([
      'Assert:assert', 'As:as', 'Async:async', 'Identifier:iffy', 'In:in', 'Identifier:index',
      'Not:not', 'Identifier:nothing', 'Is:is', 'Identifier:isinstance', 'Or:or', 'Identifier:order', 'Newline',
    ]);
  });

  it('takes soft keywords and True/False/None as they are', () => {
    expect(toks('match case _ True None False')).toEqual([
      'Identifier:match', 'Identifier:case', 'Identifier:_', 'True:True', 'None:None', 'False:False', 'Newline',
    ]);
  });

  it('lexes Unicode names and carries their NFKC spelling', () => {
    const [a, , b] = raw('é = ﬁle');
    expect(a!.image).toBe('é');
    expect(b!.image).toBe('ﬁle');
    expect(b!.payload).toBe('file');
  });

  it('keeps offsets of every token', () => {
    expect(raw('ab  = cd').map((t) => [t.image, t.startOffset])).toEqual([['ab', 0], ['=', 4], ['cd', 6]]);
  });
});

describe('operators', () => {
  it('prefers the longest operator', () => {
    expect(toks('a **= b // c ->d := e ... f != g <<= h')).toEqual([
      'Identifier:a', 'DoubleStarEq:**=', 'Identifier:b', 'DoubleSlash://', 'Identifier:c', 'Arrow:->',
      'Identifier:d', 'ColonEqual::=', 'Identifier:e', 'Ellipsis:...', 'Identifier:f', 'NotEq:!=',
      'Identifier:g', 'LShiftEq:<<=', 'Identifier:h', 'Newline',
    ]);
  });

  it('leaves printable ASCII junk for the parser to reject', () => {
    expect(toks('a $ b ? !')).toEqual(['Identifier:a', 'InvalidChar:$', 'Identifier:b', 'InvalidChar:?', 'InvalidChar:!', 'Newline']);
  });
});

describe('numbers', () => {
  it('decodes ints as bigint in every base, with underscores', () => {
    expect(value('1_000')).toEqual({ value: 1000n });
    expect(value('0xff')).toEqual({ value: 255n });
    expect(value('0O17')).toEqual({ value: 15n });
    expect(value('0b1010')).toEqual({ value: 10n });
    expect(value('00')).toEqual({ value: 0n });
    expect(value('123456789012345678901234567890')).toEqual({ value: 123456789012345678901234567890n });
  });

  it('decodes floats as numbers', () => {
    expect(value('1.5')).toEqual({ value: 1.5 });
    expect(value('.5')).toEqual({ value: 0.5 });
    expect(value('5.')).toEqual({ value: 5 });
    expect(value('1e10')).toEqual({ value: 1e10 });
    expect(value('1.5e-3')).toEqual({ value: 1.5e-3 });
    expect(value('1_0.0_1e1_0')).toEqual({ value: 10.01e10 });
    expect(value('1e400')).toEqual({ value: Infinity });
  });

  it('marks imaginary literals', () => {
    expect(value('1j')).toEqual({ imaginary: true });
  });

  it('ends a number before a keyword, as CPython does', () => {
    expect(toks('1if x else 2')).toEqual(['Number:1', 'If:if', 'Identifier:x', 'Else:else', 'Number:2', 'Newline']);
  });

  it('reports malformed numbers with CPython 3.11 messages and carets', () => {
    expect(fault('x = 1abc')).toEqual(['SyntaxError', 'invalid decimal literal', 4]);
    expect(fault('x = 1_')).toEqual(['SyntaxError', 'invalid decimal literal', 5]);
    expect(fault('x = 1__0')).toEqual(['SyntaxError', 'invalid decimal literal', 5]);
    expect(fault('x = 1.real')).toEqual(['SyntaxError', 'invalid decimal literal', 5]);
    expect(fault('x = 1e')).toEqual(['SyntaxError', 'invalid decimal literal', 4]);
    expect(fault('x = 0x')).toEqual(['SyntaxError', 'invalid hexadecimal literal', 5]);
    expect(fault('x = 0b2')).toEqual(['SyntaxError', "invalid digit '2' in binary literal", 6]);
    expect(fault('x = 0o8')).toEqual(['SyntaxError', "invalid digit '8' in octal literal", 6]);
    expect(fault('x = 012')).toEqual(['SyntaxError',
      'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers', 4]);
  });
});

describe('strings', () => {
  it('decodes escapes', () => {
    expect(value(String.raw`'a\tb\n\\\'\"\x41\u0042\U00000043\101\q'`)).toBe('a\tb\n\\\'"ABCA\\q');
    expect(value("'\\\nx'")).toBe('x'); // a backslash-newline joins lines inside the literal
  });

  it('keeps raw strings as written', () => {
    expect(value(String.raw`r'\n\x'`)).toBe('\\n\\x');
    expect(value(String.raw`Rb'\x'`)).toEqual(new Uint8Array([92, 120]));
  });

  it('decodes bytes to a Uint8Array', () => {
    expect(value(String.raw`b'a\x00\xff'`)).toEqual(new Uint8Array([97, 0, 255]));
  });

  it('takes triple-quoted strings across lines, with CRLF read as one newline', () => {
    expect(value("'''a\r\nb\"c'''")).toBe('a\nb"c');
    expect(value('""""""')).toBe('');
  });

  it('accepts every legal prefix in any case', () => {
    for (const p of ['u', 'U', 'r', 'R', 'b', 'B', 'br', 'Br', 'rb', 'RB']) {
      expect(raw(`${p}'x'`)).toHaveLength(1);
    }
    expect(toks("ur'x'")).toEqual(['Identifier:ur', "String:'x'", 'Newline']);
  });

  it('reports unterminated strings where they start, detected where lexing stopped', () => {
    expect(fault("s = 'abc\nx = 1")).toEqual(['SyntaxError', 'unterminated string literal (detected at line 1)', 4]);
    expect(fault('s = "abc\\\n\ndef"')).toEqual(['SyntaxError', 'unterminated string literal (detected at line 2)', 4]);
    expect(fault("s = '''abc\n\nx")).toEqual(['SyntaxError', 'unterminated triple-quoted string literal (detected at line 3)', 4]);
    expect(fault("s = '''abc\n\nx\n")).toEqual(['SyntaxError', 'unterminated triple-quoted string literal (detected at line 3)', 4]);
    expect(fault("x = rb'abc\n")).toEqual(['SyntaxError', 'unterminated string literal (detected at line 1)', 4]);
  });

  it('reports bad escapes as CPython does', () => {
    expect(fault(String.raw`x = '\x4'`)).toEqual(['SyntaxError',
      "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: truncated \\xXX escape", 9]);
    expect(fault(String.raw`x = b'\xZZ'`)).toEqual(['SyntaxError', '(value error) invalid \\x escape at position 0', 11]);
    expect(fault("x = b'é'")).toEqual(['SyntaxError', 'bytes can only contain ASCII literal characters', 4]);
  });
});

describe('f-strings', () => {
  it('splits literal text, fields, conversions, specs and nested fields at their offsets', () => {
    const src = "f'a{x!r:>{w}}b{{c}}'";
    expect(tokenize(src).tokens.map((t) => [t.tokenType.name, t.image, t.startOffset, t.payload])).toEqual([
      ['FStringStart', "f'", 0, undefined],
      ['FStringMiddle', 'a', 2, 'a'],
      ['FStringFieldStart', '{', 3, undefined],
      ['Identifier', 'x', 4, undefined],
      ['FStringConversion', '!r', 5, 'r'],
      ['FStringSpecStart', ':', 7, undefined],
      ['FStringMiddle', '>', 8, '>'],
      ['FStringFieldStart', '{', 9, undefined],
      ['Identifier', 'w', 10, undefined],
      ['FStringFieldEnd', '}', 11, undefined],
      ['FStringFieldEnd', '}', 12, undefined],
      ['FStringMiddle', 'b{', 13, 'b{'],
      ['FStringMiddle', 'c}', 16, 'c}'],
      ['FStringEnd', "'", 19, undefined],
    ]);
    expect(tokenize(src).fstrings).toEqual([0, 20]);
  });

  it('lexes the expression in a field like any code, strings and nested f-strings included', () => {
    expect(toks(`f"{a['k'] + f'{b}'}"`)).toEqual([
      'FStringStart:f"', 'FStringFieldStart:{', 'Identifier:a', 'LBracket:[', "String:'k'", 'RBracket:]', 'Plus:+',
      "FStringStart:f'", 'FStringFieldStart:{', 'Identifier:b', 'FStringFieldEnd:}', "FStringEnd:'",
      'FStringFieldEnd:}', 'FStringEnd:"', 'Newline',
    ]);
  });

  it('carries the text of a self-documenting field', () => {
    const t = tokenize("f'{ x = }'").tokens.find((x) => x.tokenType.name === 'FStringSelfDoc')!;
    expect([t.image, t.payload]).toEqual(['= ', ' x = ']);
  });

  it("tells `!=` and a conversion apart, and `:` inside brackets from a spec's", () => {
    expect(toks("f'{a!=b}'")).toContain('NotEq:!=');
    expect(toks("f'{a[1:2]}'")).not.toContain('FStringSpecStart::');
  });

  it('reports CPython 3.11 f-string faults at the end of the literal', () => {
    expect(fault("x = f'{}'")).toEqual(['SyntaxError', 'f-string: empty expression not allowed', 9]);
    expect(fault("x = f'}'")).toEqual(['SyntaxError', "f-string: single '}' is not allowed", 8]);
    expect(fault("x = f'{x'")).toEqual(['SyntaxError', "f-string: expecting '}'", 9]);
    expect(fault("x = f'{x!z}'")).toEqual(['SyntaxError', "f-string: invalid conversion character: expected 's', 'r', or 'a'", 12]);
    expect(fault("x = f'{x#}'")).toEqual(['SyntaxError', "f-string expression part cannot include '#'", 11]);
    expect(fault("x = f'{a[}'")).toEqual(['SyntaxError', "f-string: closing parenthesis '}' does not match opening parenthesis '['", 11]);
  });
});

describe('invalid characters', () => {
  it('faults on non-ASCII characters no token starts with', () => {
    expect(fault('x = 1 € 2')).toEqual(['SyntaxError', "invalid character '€' (U+20AC)", 6]);
    expect(fault('x = \u00a0 1')).toEqual(['SyntaxError', 'invalid non-printable character U+00A0', 4]);
    expect(fault('x = \x01')).toEqual(['SyntaxError', 'invalid non-printable character U+0001', 4]);
  });

  it('faults on a backslash that does not end its line', () => {
    expect(fault('x = \\ y')).toEqual(['SyntaxError', 'unexpected character after line continuation character', 5]);
    expect(fault('x = 1\\')).toEqual(['SyntaxError', 'unexpected EOF while parsing', 6]);
  });

  it('skips a byte order mark at the start', () => {
    expect(toks('\ufeffx = 1')).toEqual(['Identifier:x', 'Equals:=', 'Number:1', 'Newline']);
  });

  it('ends the stream at the first fault', () => {
    const out = layout(tokenize('a\nb €\nc').tokens, 'a\nb €\nc');
    expect(out.map((t) => t.tokenType.name)).toEqual(['Identifier', 'Newline', 'Identifier', 'ErrorToken']);
  });
});

describe('layout', () => {
  it('makes INDENT and DEDENT from indentation and ends with NEWLINE and DEDENTs', () => {
    expect(toks('if a:\n    b\n    if c:\n        d\ne')).toEqual([
      'If:if', 'Identifier:a', 'Colon::', 'Newline', 'Indent', 'Identifier:b', 'Newline',
      'If:if', 'Identifier:c', 'Colon::', 'Newline', 'Indent', 'Identifier:d', 'Newline', 'Dedent', 'Dedent',
      'Identifier:e', 'Newline',
    ]);
  });

  it('closes open blocks at end of input without a trailing newline', () => {
    expect(toks('if a:\n  b')).toEqual(['If:if', 'Identifier:a', 'Colon::', 'Newline', 'Indent', 'Identifier:b', 'Newline', 'Dedent']);
  });

  it('places INDENT over the indentation and DEDENT at the next token', () => {
    const src = 'if a:\n  b\nc';
    const out = layout(tokenize(src).tokens, src);
    const indent = out.find((t) => t.tokenType.name === 'Indent')!;
    const dedent = out.find((t) => t.tokenType.name === 'Dedent')!;
    expect([indent.startOffset, indent.image]).toEqual([6, '  ']);
    expect(dedent.startOffset).toBe(10);
  });

  it('ignores blank lines, comment-only lines and a coding line', () => {
    expect(toks('# -*- coding: utf-8 -*-\nif a:\n\n  # note\n      # deeper note\n  b  # trailing\n\n')).toEqual([
      'If:if', 'Identifier:a', 'Colon::', 'Newline', 'Indent', 'Identifier:b', 'Newline', 'Dedent',
    ]);
  });

  it('joins lines inside brackets and after a backslash', () => {
    expect(toks('x = (1,\n  2)\ny = 1 + \\\n  2')).toEqual([
      'Identifier:x', 'Equals:=', 'LParen:(', 'Number:1', 'Comma:,', 'Number:2', 'RParen:)', 'Newline',
      'Identifier:y', 'Equals:=', 'Number:1', 'Plus:+', 'Number:2', 'Newline',
    ]);
  });

  it('accepts CRLF line ends and tab indentation', () => {
    expect(toks('if a:\r\n\tb\r\n\tc\r\n')).toEqual([
      'If:if', 'Identifier:a', 'Colon::', 'Newline', 'Indent', 'Identifier:b', 'Newline', 'Identifier:c', 'Newline', 'Dedent',
    ]);
  });

  it('reports a dedent to no outer level at the end of its line', () => {
    expect(fault('if x:\n    a\n  b\n')).toEqual(['IndentationError', 'unindent does not match any outer indentation level', 15]);
  });

  it('reports tabs and spaces mixed in a way that depends on the tab size', () => {
    expect(fault('if x:\n\ty\n        z\n')).toEqual(['TabError', 'inconsistent use of tabs and spaces in indentation', 9]);
    expect(fault('if x:\n        y\n\tz\n')).toEqual(['TabError', 'inconsistent use of tabs and spaces in indentation', 16]);
  });

  it('reports unbalanced brackets as CPython does', () => {
    expect(fault('foo)\n')).toEqual(['SyntaxError', "unmatched ')'", 3]);
    expect(fault('foo(]\n')).toEqual(['SyntaxError', "closing parenthesis ']' does not match opening parenthesis '('", 4]);
    expect(fault('foo(\n]\n')).toEqual(['SyntaxError', "closing parenthesis ']' does not match opening parenthesis '(' on line 1", 5]);
    expect(fault('x = [1, (2,\n')).toEqual(['SyntaxError', "'(' was never closed", 8]);
  });
});
