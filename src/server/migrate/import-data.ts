import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeValue, encodeValue } from '../../changeset/index.ts';
import { validateObject, type ObjectRecord, type Schema } from '../../model/index.ts';
import { OutpostError } from '../../errors.ts';

/*
 * `outpost import-data`: MongoDB Extended JSON (canonical or relaxed; one document a line as
 * mongoexport writes it, or a JSON array as `mongoexport --jsonArray` does) into a server,
 * through the data API's insert, so every document is a changeset in the history and connected
 * clients receive it. A document that does not fit the schema is an `ImportDocumentError`
 * naming its line; the rest is imported. Progress is recorded in `<file>.progress.json` after
 * every batch, so an interrupted import continues where it stopped; a document that was
 * inserted just before an interruption is found to exist and is counted, not duplicated.
 */

/** What inserting one document did: `exists` when an object with its primary key is already there. */
export type InsertOutcome = 'inserted' | 'exists';

/** Where documents go: the data API of a running server, or of an engine on the store. */
export type InsertDocument = (type: string, object: unknown) => Promise<InsertOutcome>;

/** Many documents in one changeset; each outcome in its place, an OutpostError for one refused. */
export type InsertDocuments = (type: string, objects: readonly unknown[]) => Promise<(InsertOutcome | OutpostError)[]>;

export class ImportDocumentError extends OutpostError {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super('schema_violation', `line ${line}: ${message}`, { line });
  }
}

export interface ImportProgress {
  readonly file: string;
  readonly type: string;
  /** Size and modification time of the file: a different file does not resume. */
  readonly size: number;
  readonly mtimeMs: number;
  /** The last line (or array element) handled. */
  readonly line: number;
  readonly imported: number;
  readonly existing: number;
  readonly failed: number;
  readonly done: boolean;
}

export interface ImportDataOptions {
  readonly file: string;
  readonly type: string;
  readonly schema: Schema;
  readonly insert: InsertDocument;
  /**
   * When given, each batch of documents is one call and one changeset (the data API's
   * insertMany) instead of one per document.
   */
  readonly insertMany?: InsertDocuments;
  /** Default `<file>.progress.json`. */
  readonly progressFile?: string;
  /** Start again from the first line, ignoring recorded progress. */
  readonly restart?: boolean;
  /** Documents between progress records, and per changeset with `insertMany`. */
  readonly batch?: number;
  /** Called after every batch (the CLI draws its progress bar from it). */
  readonly onProgress?: (p: ImportProgress & { readonly bytesRead: number }) => void;
  /** Called for each document that does not fit (the rest is imported). */
  readonly onError?: (err: ImportDocumentError) => void;
  /** Stops after this many documents (tests of interruption). */
  readonly stopAfter?: number;
}

export interface ImportDataResult extends ImportProgress {
  readonly errors: readonly ImportDocumentError[];
  /** The line the import resumed after (0 for a fresh import). */
  readonly resumedAfter: number;
}

function readProgress(path: string, file: string, type: string, size: number, mtimeMs: number): ImportProgress | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const p = JSON.parse(readFileSync(path, 'utf8')) as ImportProgress;
    if (p.file === file && p.type === type && p.size === size && p.mtimeMs === mtimeMs) return p;
  } catch {
    // An unreadable record (a crash while writing it is prevented by the rename, but a hand edit is not): start again.
  }
  return undefined;
}

function writeProgress(path: string, p: ImportProgress): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(p, null, 2));
  renameSync(`${path}.tmp`, path);
}

/** The documents of a file with their line numbers (array elements are numbered from 1). */
async function* documents(file: string, onBytes: (n: number) => void): AsyncGenerator<{ line: number; text: string | undefined; value?: unknown }> {
  const head = Buffer.alloc(64);
  const h = openSync(file, 'r');
  const n = readSync(h, head, 0, 64, 0);
  closeSync(h);
  if (head.subarray(0, n).toString('utf8').trimStart().startsWith('[')) {
    const text = readFileSync(file, 'utf8');
    onBytes(Buffer.byteLength(text));
    let all: unknown;
    try {
      all = JSON.parse(text);
    } catch (err) {
      throw new OutpostError('bad_message', `${file} starts with "[" but is not a JSON array: ${(err as Error).message}`);
    }
    if (!Array.isArray(all)) throw new OutpostError('bad_message', `${file} is not a JSON array`);
    for (let i = 0; i < all.length; i++) yield { line: i + 1, text: undefined, value: all[i] };
    return;
  }
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    onBytes(Buffer.byteLength(text) + 1);
    if (text.trim() === '') continue;
    yield { line, text };
  }
}

/** Decodes and checks one document; throws ImportDocumentError. */
export function decodeDocument(schema: Schema, type: string, line: number, text: string | undefined, value?: unknown): ObjectRecord {
  let raw = value;
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ImportDocumentError(line, `not valid JSON: ${(err as Error).message}`);
    }
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ImportDocumentError(line, 'a document must be a JSON object');
  let decoded: unknown;
  try {
    decoded = decodeValue(raw);
  } catch (err) {
    throw new ImportDocumentError(line, `${(err as Error).message} (Outpost has no such value type)`);
  }
  try {
    return validateObject(schema, type, decoded, 'create');
  } catch (err) {
    throw new ImportDocumentError(line, (err as Error).message);
  }
}

export async function importData(options: ImportDataOptions): Promise<ImportDataResult> {
  const { file, type, schema } = options;
  const t = schema.require(type);
  if (t.embedded) throw new OutpostError('unknown_type', `${type} is embedded: import the documents of the type that holds it`);
  const progressFile = options.progressFile ?? `${file}.progress.json`;
  const stat = statSync(file);
  const prior = options.restart ? undefined : readProgress(progressFile, file, type, stat.size, stat.mtimeMs);
  let state: ImportProgress = prior ?? { file, type, size: stat.size, mtimeMs: stat.mtimeMs, line: 0, imported: 0, existing: 0, failed: 0, done: false };
  const resumedAfter = state.line;
  const errors: ImportDocumentError[] = [];
  if (state.done) return { ...state, errors, resumedAfter };
  const batch = options.batch ?? 200;
  let bytesRead = 0;
  let sinceRecord = 0;
  let handled = 0;
  const record = () => {
    writeProgress(progressFile, state);
    options.onProgress?.({ ...state, bytesRead });
    sinceRecord = 0;
  };
  // Documents decoded but not yet written; progress is recorded only past written ones, so an
  // interruption never skips a document.
  let pending: { line: number; rec?: ObjectRecord; error?: ImportDocumentError }[] = [];
  const refuse = (docErr: ImportDocumentError) => {
    errors.push(docErr);
    options.onError?.(docErr);
    state = { ...state, line: docErr.line, failed: state.failed + 1 };
  };
  const flush = async () => {
    const batchDocs = pending;
    pending = [];
    const toWrite = batchDocs.filter((d) => d.rec !== undefined);
    let outcomes: (InsertOutcome | OutpostError)[] = [];
    if (toWrite.length > 0) {
      try {
        outcomes = await options.insertMany!(type, toWrite.map((d) => encodeValue(d.rec!)));
      } catch (err) {
        record();
        throw err;
      }
    }
    let i = 0;
    for (const d of batchDocs) {
      if (d.error) {
        refuse(d.error);
        continue;
      }
      const outcome = outcomes[i++];
      if (outcome instanceof OutpostError) refuse(new ImportDocumentError(d.line, outcome.message));
      else state = { ...state, line: d.line, ...(outcome === 'inserted' ? { imported: state.imported + 1 } : { existing: state.existing + 1 }) };
    }
    record();
  };
  for await (const doc of documents(file, (n) => (bytesRead += n))) {
    if (doc.line <= resumedAfter) continue;
    if (options.stopAfter !== undefined && handled >= options.stopAfter) {
      if (options.insertMany) await flush();
      record();
      return { ...state, errors, resumedAfter };
    }
    handled++;
    if (options.insertMany) {
      try {
        pending.push({ line: doc.line, rec: decodeDocument(schema, type, doc.line, doc.text, doc.value) });
      } catch (err) {
        if (!(err instanceof ImportDocumentError)) throw err;
        pending.push({ line: doc.line, error: err });
      }
      if (pending.length >= batch) await flush();
      continue;
    }
    try {
      const rec = decodeDocument(schema, type, doc.line, doc.text, doc.value);
      const outcome = await options.insert(type, encodeValue(rec));
      state = { ...state, line: doc.line, ...(outcome === 'inserted' ? { imported: state.imported + 1 } : { existing: state.existing + 1 }) };
    } catch (err) {
      // The server's own refusal of one document (a rule, a value) is that document's error;
      // anything else (the server went away) stops the import, to be resumed.
      const docErr =
        err instanceof ImportDocumentError
          ? err
          : err instanceof OutpostError && err.code !== 'internal' && err.code !== 'unauthorized'
            ? new ImportDocumentError(doc.line, err.message)
            : undefined;
      if (!docErr) {
        record();
        throw err;
      }
      refuse(docErr);
    }
    if (++sinceRecord >= batch) record();
  }
  if (pending.length > 0) await flush();
  state = { ...state, done: true };
  record();
  return { ...state, errors, resumedAfter };
}
