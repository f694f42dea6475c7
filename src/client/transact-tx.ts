import type { Schema } from '../model/index.ts';
import type { Result, Storable, StoredRecord } from '../worker-api/api.ts';
import { storableEqual, toStorable } from '../worker-api/codec.ts';
import { fromWire } from './errors.ts';
import { snapshotOf, type Snapshot } from './snapshot.ts';
import type { RealmSurface } from './realm-names.ts';
import { WriteTransaction } from './write-tx.ts';

/*
 * The transaction of `db.transact` (a serialized transaction, TRANSACT): the write calls of
 * `db.write`, plus `get`, which reads the worker's current local state and records the object in
 * the read set. The server applies the writes only if nothing it read or writes changed since
 * the first read (the base version); otherwise the whole transaction is rejected.
 */

export type TransactReader = (type: string, pk: Storable) => Promise<Result<{ record: StoredRecord | null; serverVersion: number }>>;

export class SerializedTransaction extends WriteTransaction {
  /** @internal The objects read, in storable form. */
  readonly reads: { type: string; pk: Storable }[] = [];
  /** @internal The local server version at the first read. */
  base: number | null = null;

  /** @internal */
  constructor(
    schema: Schema,
    private readonly reader: TransactReader,
    realm?: RealmSurface,
  ) {
    super(schema, realm);
  }

  /** The object as it is locally now (null when absent); it joins the transaction's read set. */
  async get<T = Record<string, unknown>>(type: string, pk: unknown): Promise<Snapshot<T> | null> {
    const ref = this.ref(type, pk);
    const key = toStorable(ref.pk);
    const r = await this.reader(type, key);
    if (!r.ok) throw fromWire(r.error);
    if (this.base === null) this.base = r.value.serverVersion;
    if (!this.reads.some((x) => x.type === type && storableEqual(x.pk, key))) this.reads.push({ type, pk: key });
    return r.value.record ? snapshotOf<T>(type, r.value.record, this.realm?.names) : null;
  }
}
