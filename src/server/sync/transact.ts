import { applyChangeset, checkChangeset, type Changeset } from '../../changeset/index.ts';
import { OutpostError, type ErrorCode } from '../../errors.ts';
import type { PrimaryKey } from '../../model/index.ts';
import type { StoreWriter } from '../store/types.ts';
import { judge, loadState, objectInstructions, persist, SERVER_ORIGIN, withoutRepeatedCreates, type IntegrationContext } from './integrate.ts';
import { keyOf } from './keys.ts';

/*
 * Serialized transactions (TRANSACT). The client sends one changeset written against its state
 * at server version `base`, with the objects it read. It is applied only if nothing after `base`
 * that the client had not made itself touched any of those objects or the ones it writes — so
 * the reads it based its writes on still hold — and only if every write is allowed; otherwise it
 * is rejected whole and nothing changes. No merge is involved: a transaction that would need one
 * is a conflict.
 *
 * An applied transaction is appended as a change of the server's own (origin 1), not under a
 * client version: the client never applied it locally, so it must come back to its author through
 * DOWNLOAD like any other client's change. That also keeps the client's version sequence free of
 * gaps whatever happens to the answer.
 */

export interface TransactRequest {
  readonly base: number;
  readonly reads: readonly { readonly type: string; readonly pk: PrimaryKey }[];
  readonly changeset: Changeset;
}

export type TransactOutcome =
  | { readonly status: 'applied'; readonly serverVersion: number }
  | { readonly status: 'rejected'; readonly code: ErrorCode; readonly reason: string };

const reject = (code: ErrorCode, reason: string): TransactOutcome => ({ status: 'rejected', code, reason });

export async function integrateTransaction(tx: StoreWriter, ctx: IntegrationContext, request: TransactRequest): Promise<TransactOutcome> {
  const latest = await tx.latestVersion();
  const { base, changeset } = request;
  if (base > latest) return reject('bad_cursor', `base version ${base} is past the server's history (${latest})`);
  if (base + 1 < (await tx.firstVersion())) {
    return reject('bad_cursor', `the history after base version ${base} was compacted; read again and retry`);
  }
  if (changeset.origin !== ctx.ident) return reject('bad_changeset', `changeset origin ${changeset.origin} is not this client file (${ctx.ident})`);
  if (changeset.instructions.some((i) => i.op === 'AddType' || i.op === 'AddField')) {
    return reject('schema_mismatch', 'a serialized transaction cannot change the schema');
  }
  if (changeset.instructions.length === 0) return reject('bad_changeset', 'the transaction writes nothing');

  const touched = new Map<string, string>();
  for (const r of request.reads) touched.set(keyOf(r.type, r.pk), `${r.type} ${JSON.stringify(String(r.pk))}`);
  for (const i of changeset.instructions) {
    if (i.op !== 'AddType' && i.op !== 'AddField') touched.set(keyOf(i.type, i.pk), `${i.type} ${JSON.stringify(String(i.pk))}`);
  }
  for (const row of await tx.history(base, latest)) {
    if (row.origin === ctx.ident) continue; // its own uploads: already in the state it read
    if (row.privateTo !== null && row.privateTo !== ctx.ident) continue;
    for (const i of row.changeset.instructions) {
      if (i.op === 'AddType' || i.op === 'AddField') continue;
      // Only what the client could see counts: a conflict over an object outside its view, or a
      // field its role hides, would tell it that the object exists or that the field changed.
      // (Writing such an object is refused below anyway; a hidden field is not writable.)
      const k = keyOf(i.type, i.pk);
      if (row.privateTo === null && !ctx.inViewAt(k, row.version)) continue;
      if (i.op !== 'CreateObject' && i.op !== 'EraseObject' && ctx.roles.get(i.type).hidden.has(i.path[0] as string)) continue;
      const what = touched.get(k);
      if (what !== undefined) return reject('transaction_conflict', `${what} changed at server version ${row.version}, after the transaction's base ${base}`);
    }
  }

  let checked: Changeset;
  try {
    checked = checkChangeset(ctx.schema, changeset);
  } catch (err) {
    if (err instanceof OutpostError) return reject(err.code, err.message);
    throw err;
  }
  const groups = objectInstructions(checked.instructions);
  const state = await loadState(tx, ctx.schema, groups);
  const verdict = judge(ctx, (k) => ctx.viewSet.has(k), () => false, state, checked, 0);
  if (verdict.compensating.length > 0) {
    const first = verdict.compensating[0]!;
    return reject(first.code, verdict.compensating.map((c) => `${c.type} ${JSON.stringify(String(c.pk))}: ${c.reason}`).join('; '));
  }
  const applied: Changeset = { origin: ctx.ident, timestamp: checked.timestamp, instructions: withoutRepeatedCreates(checked.instructions, state) };
  let changes;
  try {
    changes = applyChangeset(state, applied);
  } catch (err) {
    if (err instanceof OutpostError) return reject(err.code, err.message);
    throw err;
  }
  await persist(tx, state, changes);
  const version = await tx.appendHistory({ origin: SERVER_ORIGIN, originVersion: latest + 1, privateTo: null, changeset: applied });
  return { status: 'applied', serverVersion: version };
}
