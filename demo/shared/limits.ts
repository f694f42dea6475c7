/*
 * How long the technician's text may be. The server takes far more; these keep a job readable on a
 * phone and a note a note. The inputs stop at the limit and say so.
 */
export const LIMITS = { title: 120, description: 4000, note: 1000 } as const;

/** What to say under a field that reached its limit (null before). */
export function limitMessage(text: string, max: number): string | null {
  return text.length >= max ? `That is the limit: ${max} characters.` : null;
}
