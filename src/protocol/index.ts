export { ERROR_CODES, OutpostError, isErrorCode, type ErrorCode } from '../errors.ts';
export * from './messages/index.ts';
export { CLOSE_CODES, LIMITS, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, SYNC_PATH, WS_BEARER_PREFIX, WS_SUBPROTOCOL } from './version.ts';
