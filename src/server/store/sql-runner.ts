/*
 * The small SQL surface the shared store code (sql-access.ts, sql-auth.ts) runs on: SQLite
 * (better-sqlite3, synchronous, wrapped in promises) and PostgreSQL (pg). Fixed statements are
 * written with `?` placeholders and rewritten to `$n` for PostgreSQL by `sql()`; none of them
 * uses `?` in any other role (the jsonb `?` operator never appears in them).
 */

export type Row = Record<string, unknown>;

export interface SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs native SQL (placeholders already in the dialect's form) and returns the rows. */
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs native SQL and returns the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs one statement for each parameter list (SQLite: one prepared statement, synchronously). */
  runMany(sql: string, paramLists: readonly (readonly unknown[])[]): Promise<number>;
  /**
   * Sends a write without waiting for its answer (PostgreSQL in a transaction, pipelined: the
   * statements that follow on the connection see it). Its failure, or `check` throwing on the
   * rows it changed, surfaces at the next `settle`. Absent where a write costs no round trip.
   */
  send?(sql: string, params?: readonly unknown[], check?: (changed: number) => void): void;
  /** Waits for every write sent so far; throws the first failure among them. */
  settle?(): Promise<void>;
}

/** A runner that can also open a write transaction (SQLite: queued BEGIN IMMEDIATE; PostgreSQL: a pooled client). */
export interface SqlDatabase extends SqlRunner {
  write<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

const converted = new Map<string, string>();

/** `?` placeholders to the dialect's: unchanged for SQLite, `$1, $2, …` for PostgreSQL. */
export function sql(dialect: 'sqlite' | 'postgres', text: string): string {
  if (dialect === 'sqlite') return text;
  let out = converted.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    if (converted.size < 1000) converted.set(text, out);
  }
  return out;
}

/** Whether an error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A PostgreSQL BIGINT (returned as text) or a SQLite integer, as a number; null stays null. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}
