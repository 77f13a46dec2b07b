// Faults in source text: the one error type the compiler raises. It carries offsets only; the
// VM/CLI turn it into a spy SyntaxError and print file, line, the source line and a caret.

export type SyntaxErrorKind = 'SyntaxError' | 'IndentationError' | 'TabError';

export class SpySyntaxError extends Error {
  /** a brand instead of instanceof: the CLI loads the compiler as a separate bundle */
  readonly isSpySyntaxError = true;
  constructor(
    /** the Python exception class to raise */
    readonly kind: SyntaxErrorKind,
    /** CPython 3.11's wording where we can match it, e.g. "expected ':'" or "invalid syntax" */
    readonly msg: string,
    /** offset of the character the caret points at */
    readonly offset: number,
    /** offset one past the end of the offending range (>= offset); CPython prints carets over it */
    readonly endOffset: number = offset + 1,
  ) {
    super(msg);
  }
}

/** 1-based line and column of an offset, plus the text of that line (without newline). */
export function locate(source: string, offset: number): { line: number; column: number; text: string; lineStart: number } {
  let line = 1;
  let lineStart = 0;
  const limit = Math.min(offset, source.length);
  for (let i = 0; i < limit; i++) {
    if (source.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
  }
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  let text = source.slice(lineStart, lineEnd);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  return { line, column: offset - lineStart + 1, text, lineStart };
}

export function isSyntaxFault(e: unknown): e is SpySyntaxError {
  return typeof e === 'object' && e !== null && (e as { isSpySyntaxError?: unknown }).isSpySyntaxError === true;
}
