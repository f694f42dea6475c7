import { OutpostError, type ErrorCode } from '../protocol/index.ts';
import type { SyncErrorInfo, WireError } from '../worker-api/api.ts';
import { toPlain } from '../worker-api/codec.ts';

/** A write the server rejected and reverted (a compensating write), with the object and the reason. */
export interface CompensatingWrite {
  readonly type: string;
  readonly pk: unknown;
  readonly reason: string;
  readonly clientVersion?: number;
}

/**
 * An error reported by the sync session (through `onError` / `db.errors$`): the server's ERROR, a
 * compensating write, a lost database, a failure to integrate. `action` says what the client does
 * about it: 'none' (a warning; sync goes on), 'retry' (it reconnects), 'fatal' / 'client_reset' /
 * 'log_out' (sync stops until `resume()` or a new login).
 */
export class SyncError extends OutpostError {
  readonly action: string;
  readonly compensatingWrites: readonly CompensatingWrite[];

  constructor(code: ErrorCode, message: string, action: string, compensatingWrites: readonly CompensatingWrite[] = [], details?: Record<string, unknown>) {
    super(code, message, details);
    this.name = 'SyncError';
    this.action = action;
    this.compensatingWrites = compensatingWrites;
  }

  static from(info: SyncErrorInfo): SyncError {
    return new SyncError(
      info.code,
      info.message,
      info.action ?? 'none',
      (info.compensatingWrites ?? []).map((w) => ({
        type: w.type,
        pk: toPlain(w.pk),
        reason: w.reason,
        ...(w.clientVersion !== undefined ? { clientVersion: w.clientVersion } : {}),
      })),
      info.details,
    );
  }
}

export function fromWire(e: WireError): OutpostError {
  return new OutpostError(e.code, e.message, e.details);
}
