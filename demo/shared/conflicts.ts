import type { Conflict } from 'outpost';

/*
 * Conflicts the technician lost (the server's conflict journal), in words: whose change won,
 * what was lost, and whether it can be written back.
 */

const FIELD_NAMES: Record<string, string> = { title: 'title', description: 'description', notes: 'note', status: 'status', assigneeId: 'assignment', priority: 'priority' };

function fieldName(field: string | null): string {
  return field === null ? 'change' : (FIELD_NAMES[field] ?? field);
}

/** The lost value as text: a note's text, a plain value, or its size. */
export function lostText(c: Conflict): string | null {
  if (!c.lost) return null;
  if (!('value' in c.lost)) return `(${c.lost.size} bytes)`;
  const v = c.lost.value;
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === 'object' && 'text' in x ? String((x as { text: unknown }).text) : JSON.stringify(x))).join('\n');
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function describeConflict(c: Conflict, code: string | null, name: (userId: string | null) => string): string {
  const what = `Your ${fieldName(c.field)}${code ? ` on ${code}` : ''}`;
  const lost = lostText(c);
  const yours = lost ? ` Yours was: “${lost}”.` : '';
  switch (c.kind) {
    case 'overwritten': {
      const won = c.won && 'value' in c.won && typeof c.won.value === 'string' ? ` (“${c.won.value}”)` : '';
      return `${what} was replaced by ${name(c.winner.userId)}’s${won}, made at the same time.${yours}`;
    }
    case 'erased':
      return `${what} was lost: ${name(c.winner.userId)} deleted the work order while you were editing it.${yours}`;
    case 'reverted':
      return `${what} was undone by the server (${c.reason?.replace(/^[a-z_]+: /, '') ?? 'not allowed'}).${yours}`;
  }
}
