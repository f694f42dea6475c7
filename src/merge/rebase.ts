import { checkChangeset } from '../changeset/check.ts';
import type { Changeset, Instruction } from '../changeset/instructions.ts';
import type { Schema } from '../model/schema.ts';
import { transformChangesets } from './transform.ts';

/*
 * Integration of one changeset against a run of concurrent ones, both ends of the sync
 * protocol (the Jupiter scheme: a central server orders everything, and each side transforms
 * against exactly what the other had not seen).
 *
 * - The server integrates an upload from client F against the changesets of other origins
 *   that F had not seen when it made the upload, each in the form F's replica knows it (its
 *   "reciprocal" form, already transformed past F's earlier uploads). The upload comes out
 *   ready to append to the history; the reciprocal forms come out transformed past it.
 * - A client integrates a downloaded changeset against its own changesets the server had not
 *   integrated yet. The download comes out ready to apply; the local changesets come out
 *   rebased onto it, ready to upload.
 *
 * It is the same computation: `rebase(incoming, concurrent)`.
 */

export interface RebaseResult {
  /** The incoming changeset transformed past every concurrent one. */
  readonly changeset: Changeset;
  /** Each concurrent changeset transformed past the incoming one (the same object when unchanged). */
  readonly concurrent: readonly Changeset[];
}

function withInstructions(c: Changeset, instructions: readonly Instruction[]): Changeset {
  return instructions === c.instructions ? c : { origin: c.origin, timestamp: c.timestamp, instructions };
}

/** Transforms `incoming` past `concurrent` (in order) and each of them past `incoming`. */
export function rebase(incoming: Changeset, concurrent: readonly Changeset[]): RebaseResult {
  let current = incoming;
  const out: Changeset[] = [];
  for (let n = 0; n < concurrent.length; n++) {
    const other = concurrent[n]!;
    if (current.instructions.length === 0) {
      // Nothing left to transform against: the rest of the run is unchanged.
      for (; n < concurrent.length; n++) out.push(concurrent[n]!);
      break;
    }
    const r = transformChangesets(current, other);
    current = withInstructions(current, r.a);
    out.push(withInstructions(other, r.b));
  }
  return { changeset: current, concurrent: out };
}

/**
 * The public form of the transform: both changesets are checked against the schema first
 * (unknown types or fields, wrong value types, malformed paths are typed errors).
 */
export function transform(schema: Schema, a: Changeset, b: Changeset): { a: Changeset; b: Changeset } {
  const ca = checkChangeset(schema, a);
  const cb = checkChangeset(schema, b);
  const r = transformChangesets(ca, cb);
  return { a: withInstructions(ca, r.a), b: withInstructions(cb, r.b) };
}

/** `rebase` with the incoming changeset checked against the schema first (untrusted input). */
export function rebaseChecked(schema: Schema, incoming: Changeset, concurrent: readonly Changeset[]): RebaseResult {
  return rebase(checkChangeset(schema, incoming), concurrent);
}
