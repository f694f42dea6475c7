import { OutpostError } from '../errors.ts';
import type { Result, WireError } from '../worker-api/api.ts';

/*
 * Every WorkerApi call answers a Result: an error crosses to the page as data (code, message,
 * details), never as a rejected promise that Comlink would have to serialize.
 */

export function toWireError(err: unknown): WireError {
  if (err instanceof OutpostError) {
    return { code: err.code, message: err.message, ...(err.details ? { details: JSON.parse(JSON.stringify(err.details)) as Record<string, unknown> } : {}) };
  }
  return { code: 'internal', message: (err as Error)?.message ?? String(err) };
}

export function fail(err: unknown): { ok: false; error: WireError } {
  return { ok: false, error: toWireError(err) };
}

/** The value of `run` as a Result; what it throws as an error Result. */
export async function attempt<T>(run: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return fail(err);
  }
}

/** `run`'s own Result (a request answered by another tab), or what it throws as an error Result. */
export async function answer<T>(run: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await run();
  } catch (err) {
    return fail(err);
  }
}
