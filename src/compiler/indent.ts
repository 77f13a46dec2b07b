// The layout pass: physical line breaks → logical NEWLINE, INDENT and DEDENT tokens, as CPython's
// tokenizer does it (a stack of indentation columns, bracket depth for implicit line joining,
// blank and comment-only lines ignored, tabs checked for consistency). Faults — bad dedents, tab
// mixing, unbalanced brackets — become an ErrorToken that ends the stream, like the lexer's.

import type { IToken } from 'chevrotain';
import { SpySyntaxError, type SyntaxErrorKind } from './diagnostics.js';
import { makeToken, tokenEnd } from './lexer.js';
import {
  Dedent, ErrorToken, Indent, LBrace, LBracket, LParen, Newline, RBrace, RBracket, RParen, lineOf,
} from './tokens.js';

const TAB_SIZE = 8;
const MAX_INDENT = 100;
/** CPython's tokenizer MAXLEVEL: deeper bracket nesting is a syntax error. */
const MAX_BRACKETS = 200;

/** Lays out the lexer's tokens; the result ends in NEWLINE + DEDENTs, or in an ErrorToken. */
export function layout(tokens: IToken[], source: string): IToken[] {
  const out: IToken[] = [];
  // Two views of each level's width, as CPython keeps: tabs to multiples of 8, and tabs as 1.
  // If the two orders disagree the file's meaning depends on the tab size: a TabError.
  const cols = [0];
  const altCols = [0];
  const brackets: IToken[] = [];
  let atLineStart = true;
  let lastNewline: IToken | null = null;
  const fail = (kind: SyntaxErrorKind, msg: string, offset: number, end = offset + 1) => {
    out.push(makeToken(ErrorToken, '', offset, new SpySyntaxError(kind, msg, offset, end)));
    return out;
  };

  for (const t of tokens) {
    const type = t.tokenType;
    if (type === ErrorToken) {
      out.push(t);
      return out;
    }
    if (type === Newline) {
      if (brackets.length > 0 || atLineStart) continue; // joined line, or blank/comment-only line
      lastNewline = atComment(t, out, source);
      out.push(lastNewline);
      atLineStart = true;
      continue;
    }
    if (atLineStart) {
      atLineStart = false;
      let lineStart = t.startOffset;
      for (let c = source.charCodeAt(lineStart - 1); lineStart > 0 && c !== 10 && c !== 13; c = source.charCodeAt(--lineStart - 1));
      let col = 0;
      let alt = 0;
      for (let i = lineStart; i < t.startOffset; i++) {
        const c = source.charCodeAt(i);
        if (c === 32) { col++; alt++; }
        else if (c === 9) { col = (Math.floor(col / TAB_SIZE) + 1) * TAB_SIZE; alt++; }
        else if (c === 12) { col = 0; alt = 0; }
      }
      const top = cols.length - 1;
      if (col === cols[top]) {
        if (alt !== altCols[top]) return fail('TabError', 'inconsistent use of tabs and spaces in indentation', lineStart);
      } else if (col > cols[top]!) {
        if (alt <= altCols[top]!) return fail('TabError', 'inconsistent use of tabs and spaces in indentation', lineStart);
        if (cols.length >= MAX_INDENT) return fail('IndentationError', 'too many levels of indentation', t.startOffset);
        cols.push(col);
        altCols.push(alt);
        out.push(makeToken(Indent, source.slice(lineStart, t.startOffset), lineStart));
      } else {
        // The fault comes before any DEDENT, as in CPython's tokenizer.
        let level = cols.length - 1;
        while (level > 0 && col < cols[level]!) level--;
        if (col !== cols[level]) {
          // CPython's caret for this one sits at the end of the offending line.
          const eol = source.slice(t.startOffset).search(/[\r\n]/);
          return fail('IndentationError', 'unindent does not match any outer indentation level',
            eol < 0 ? source.length : t.startOffset + eol);
        }
        if (alt !== altCols[level]) return fail('TabError', 'inconsistent use of tabs and spaces in indentation', lineStart);
        while (cols.length - 1 > level) {
          cols.pop();
          altCols.pop();
          out.push(makeToken(Dedent, '', t.startOffset));
        }
      }
    }
    if (type === LParen || type === LBracket || type === LBrace) {
      if (brackets.length >= MAX_BRACKETS) return fail('SyntaxError', 'too many nested parentheses', t.startOffset);
      brackets.push(t);
    } else if (type === RParen || type === RBracket || type === RBrace) {
      const open = brackets.pop();
      if (open === undefined) return fail('SyntaxError', `unmatched '${t.image}'`, t.startOffset);
      if (CLOSING[open.image] !== t.image) {
        const openLine = lineOf(source, open.startOffset);
        const where = openLine === lineOf(source, t.startOffset) ? '' : ` on line ${openLine}`;
        return fail('SyntaxError', `closing parenthesis '${t.image}' does not match opening parenthesis '${open.image}'${where}`, t.startOffset);
      }
    }
    out.push(t);
  }

  if (brackets.length > 0) {
    const open = brackets[brackets.length - 1]!;
    return fail('SyntaxError', `'${open.image}' was never closed`, open.startOffset);
  }
  if (!atLineStart) {
    // A last line without its line break still ends a statement.
    lastNewline = atComment(makeToken(Newline, '', source.length), out, source);
    out.push(lastNewline);
  }
  const eofAt = endOfInput(source, lastNewline ? lastNewline.startOffset : source.length);
  for (let i = 1; i < cols.length; i++) out.push(makeToken(Dedent, '', eofAt));
  return out;
}

/**
 * Where CPython reports a fault found at end of input (so where the final DEDENTs sit): at the
 * last line break, or at the very end when a last line without a line break holds only spaces
 * or a comment.
 */
export function endOfInput(source: string, lastNewline: number): number {
  const lastLine = source.slice(Math.max(source.lastIndexOf('\n'), source.lastIndexOf('\r')) + 1);
  return lastLine.length < source.length && /^(?:[ \t\f]+|[ \t\f]*#.*)$/.test(lastLine) ? source.length : lastNewline;
}

const CLOSING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * A logical NEWLINE starts where a trailing comment does, as CPython's NEWLINE token does — so
 * "expected ':'" and friends point at the `#`.
 */
function atComment(nl: IToken, out: IToken[], source: string): IToken {
  const last = out[out.length - 1];
  if (!last) return nl;
  for (let i = tokenEnd(last); i < nl.startOffset; i++) {
    if (source.charCodeAt(i) === 35 /* # */) return makeToken(Newline, source.slice(i, nl.startOffset + nl.image.length), i);
  }
  return nl;
}
