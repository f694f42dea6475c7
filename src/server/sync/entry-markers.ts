import type { Changeset } from '../../changeset/index.ts';
import type { ViewChange } from '../store/types.ts';
import { isEntryMarker } from './planner.ts';

/*
 * Entry markers (planner.ts, `appendViewRows`): the empty private row that takes the position of
 * objects entering a client's view, whose state was sent with it and is not kept in the history.
 */

/**
 * The view log after a reconnecting client's cursor without the objects entered at a marker it
 * did not get: sending its rows again would not bring them (a marker holds nothing), so the
 * client does not have them, whatever an upload integrated meanwhile assumed (an object it
 * created itself concurrently is corrected, integrate.ts).
 */
export function withoutMissedEntries(
  logged: readonly ViewChange[],
  privateRows: readonly { version: number; privateTo: number | null; changeset: Changeset }[],
): { kept: ViewChange[]; dropped: boolean } {
  const markers = new Set(privateRows.filter(isEntryMarker).map((r) => r.version));
  if (markers.size === 0) return { kept: [...logged], dropped: false };
  const kept = logged.filter((c) => !(c.kind === 'add' && markers.has(c.version)));
  return { kept, dropped: kept.length !== logged.length };
}

/** Consecutive changes grouped by version, in order (as `logViewChanges` takes them). */
export function byVersion(changes: readonly ViewChange[]): ViewChange[][] {
  const out: ViewChange[][] = [];
  for (const c of changes) {
    const last = out[out.length - 1];
    if (last && last[0]!.version === c.version) last.push(c);
    else out.push([c]);
  }
  return out;
}
