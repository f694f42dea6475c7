/*
 * A session's view changes per object, in version order (planner.ts, `inViewAt`): `in` from
 * `version` on. Most objects change once (they enter the view, a bootstrap's whole view among
 * them), so a single change is kept as one number rather than a list of records: a session that
 * bootstraps a million objects holds a million of these (about 37 bytes each instead of 130).
 */

export interface ViewTransition {
  readonly version: number;
  readonly in: boolean;
}

/** One change as a number: even = out from that version (×2), odd = in from it (×2 + 1). */
const pack = (version: number, isIn: boolean) => version * 2 + (isIn ? 1 : 0);
const unpack = (n: number): ViewTransition => ({ version: Math.floor(n / 2), in: n % 2 === 1 });

export class ViewTransitions {
  private readonly byKey = new Map<string, number | ViewTransition[]>();

  /** Records a change, keeping the object's list in version order (after changes at the same version). */
  add(key: string, version: number, isIn: boolean): void {
    const cur = this.byKey.get(key);
    if (cur === undefined) {
      this.byKey.set(key, pack(version, isIn));
      return;
    }
    const list = typeof cur === 'number' ? [unpack(cur)] : cur;
    let i = list.length;
    while (i > 0 && list[i - 1]!.version > version) i--;
    list.splice(i, 0, { version, in: isIn });
    if (typeof cur === 'number') this.byKey.set(key, list);
  }

  /** Whether the object is in the view at `version`, given whether it was when the session started. */
  stateAt(key: string, initially: boolean, version: number): boolean {
    const cur = this.byKey.get(key);
    if (cur === undefined) return initially;
    if (typeof cur === 'number') {
      const t = unpack(cur);
      return t.version > version ? initially : t.in;
    }
    let state = initially;
    for (const t of cur) {
      if (t.version > version) break;
      state = t.in;
    }
    return state;
  }

  clear(): void {
    this.byKey.clear();
  }

  get size(): number {
    return this.byKey.size;
  }
}
