/**
 * `outpost/core`: the pure sync core, the same on the server, in the worker and in tests.
 * Schemas and values, changesets, the merge (operational transform), and the error type.
 */
export * from './model/index.ts';
export * from './changeset/index.ts';
export * from './merge/index.ts';
export { ERROR_CODES, OutpostError, isErrorCode, type ErrorCode } from './errors.ts';
