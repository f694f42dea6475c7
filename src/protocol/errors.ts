/**
 * Every error code Outpost uses, on both ends of the wire. A code is part of the protocol:
 * never rename one, only add. `docs/protocol.md` describes what each means.
 */
export const ERROR_CODES = [
  // Data model and changesets (pure core, both ends).
  'schema_invalid', // a schema definition is malformed
  'schema_violation', // an object or value does not match the schema
  'schema_conflict', // two schema instructions (AddType/AddField) disagree
  'unknown_type', // an object type the schema does not have
  'unknown_field', // a field the object type does not have
  'bad_changeset', // a changeset or instruction is malformed or cannot apply
  'missing_object', // an instruction targets an object that does not exist
  'index_out_of_range', // a list index outside the list
  'bad_query', // a query that does not parse, does not type-check, or exceeds a limit
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const codeSet: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && codeSet.has(value);
}

/** The one error class of Outpost: a message plus a stable code (and optional details). */
export class OutpostError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'OutpostError';
    this.code = code;
    this.details = details;
  }
}
