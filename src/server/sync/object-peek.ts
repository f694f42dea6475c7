import type { ObjectRecord, PrimaryKey } from '../../model/index.ts';
import type { SyncStore } from '../store/types.ts';
import { keyOf } from './keys.ts';
import type { ObjectReader } from './planner.ts';

/*
 * After an upload every session whose view it touches plans the same rows at once, and each first
 * looks at the touched objects (do they enter or leave its view?) without the append lock. Read
 * one by one that is one store read per session for the same objects; here the sessions of one
 * wave share the reads. A wave is what the engine knows as the latest version: the objects read
 * are at that version or later, which is all a first look needs (rows past it touch the objects
 * again, and the sessions look again when they get them), and the next version starts a new wave.
 */

/** Objects read since the engine last learned of a new version, shared by the sessions. */
export class ObjectPeek implements ObjectReader {
  private wave = -1;
  private readonly reads = new Map<string, Promise<ObjectRecord | undefined>>();

  constructor(
    private readonly store: SyncStore,
    /** The engine's latest known version. */
    private readonly latest: () => number,
    private readonly capacity = 50_000,
  ) {}

  async getObjects(keys: readonly { type: string; pk: PrimaryKey }[]): Promise<Map<string, ObjectRecord>> {
    const wave = this.latest();
    if (wave !== this.wave || this.reads.size > this.capacity) {
      this.reads.clear();
      this.wave = wave;
    }
    const missing = new Map<string, { type: string; pk: PrimaryKey }>();
    for (const k of keys) {
      const key = keyOf(k.type, k.pk);
      if (!this.reads.has(key)) missing.set(key, { type: k.type, pk: k.pk });
    }
    if (missing.size > 0) {
      const fetched = this.store.getObjects([...missing.values()]);
      for (const key of missing.keys()) {
        const one = fetched.then((found) => found.get(key));
        // Awaited below (and by later sessions); a rejection is theirs to see, never unhandled.
        one.catch(() => {});
        this.reads.set(key, one);
      }
      // A failed read is not kept: the next session reads again.
      fetched.catch(() => {
        for (const key of missing.keys()) this.reads.delete(key);
      });
    }
    const out = new Map<string, ObjectRecord>();
    for (const k of keys) {
      const key = keyOf(k.type, k.pk);
      const rec = await (this.reads.get(key) ?? this.store.getObjects([k]).then((f) => f.get(key)));
      if (rec !== undefined) out.set(key, rec);
    }
    return out;
  }
}
