import { OutpostError } from '../errors.ts';

/** Line and column (both 1-based) of an offset into a query text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * A query that does not parse, does not type-check, or exceeds a limit. `position` is the offset
 * (UTF-16 code units) into the query text where the problem was found; the message repeats it
 * together with the line and column so that a log line alone is enough to find it.
 */
export class QueryError extends OutpostError {
  readonly position: number;
  readonly line: number;
  readonly column: number;
  /** The message without the position suffix. */
  readonly reason: string;

  constructor(reason: string, position: number, text?: string) {
    const pos = Number.isFinite(position) && position >= 0 ? Math.floor(position) : 0;
    const lc = text !== undefined ? lineColumn(text, pos) : { line: 1, column: pos + 1 };
    super('bad_query', `${reason} (at offset ${pos}, line ${lc.line}, column ${lc.column})`, {
      position: pos,
      line: lc.line,
      column: lc.column,
    });
    this.name = 'QueryError';
    this.reason = reason;
    this.position = pos;
    this.line = lc.line;
    this.column = lc.column;
  }
}
