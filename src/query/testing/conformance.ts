import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateObject, type ObjectRecord, type Schema } from '../../model/index.ts';
import { compileQuery, type createResolver } from '../compile.ts';
import { QueryError } from '../errors.ts';

/*
 * What the two conformance runners share (conformance.test.ts over Realm JS's table,
 * conformance-realm-core.test.ts over the port of realm-core's parser tests): reading a table,
 * adding a record the model accepted, running one case, and printing the tally.
 */

const DATA = path.resolve(import.meta.dirname, '../../../test-data/conformance');

/** A JSON file of test-data/conformance/. */
export function loadConformance<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(DATA, file), 'utf8')) as T;
}

/** The model must accept what a runner built: the record is normalized in place and becomes queryable. */
export function addRecord(schema: Schema, resolver: ReturnType<typeof createResolver>, type: string, rec: ObjectRecord): void {
  const checked = validateObject(schema, type, rec);
  for (const k of Object.keys(checked)) rec[k] = checked[k]!;
  resolver.add(type, rec);
}

/** The objects of `tables[type]` the query matches, in its order. */
export function runQuery(schema: Schema, tables: ReadonlyMap<string, ObjectRecord[]>, resolver: ReturnType<typeof createResolver>, type: string, text: string, args: unknown[]): ObjectRecord[] {
  return compileQuery(schema, type, text, args).run(tables.get(type) ?? [], resolver);
}

/** Why a query that must be rejected was not (undefined: it threw a QueryError, as it must). */
export function rejectionFailure(schema: Schema, type: string, text: string, args: unknown[]): string | undefined {
  try {
    compileQuery(schema, type, text, args);
    return 'expected an error, none thrown';
  } catch (err) {
    return err instanceof QueryError ? undefined : `threw a non-QueryError: ${String(err)}`;
  }
}

/** Prints `<name> conformance: passed/total passed[ (note)]` and every failure. */
export function printTally(name: string, passed: number, total: number, failures: readonly string[], note = ''): void {
  console.log(`${name} conformance: ${passed}/${total} passed${note ? ` (${note})` : ''}`);
  if (failures.length) console.log(failures.join('\n'));
}
