import { createHash } from 'node:crypto';
import pg from 'pg';
import type { MetricsSample } from '../metrics-history.ts';
import { Doorbell } from '../store/pg-doorbell.ts';
import type { LocalNode, NodeMetrics, NodeSessionInfo, NodesView } from './nodes.ts';

/*
 * The nodes of one PostgreSQL database, for the dashboard. Each node keeps a row in `admin_nodes`
 * with its live sessions (JSON) and a heartbeat, rewritten every `heartbeatMs`; a node whose
 * heartbeat is older than `lapseMs` is dead and left out (its row is deleted an hour later, with
 * its metrics). Metrics samples go to `admin_node_metrics`, one row per node and sample, kept an
 * hour. A dashboard on any node asks another node to end a session with NOTIFY on the
 * `outpost_admin_…` channel; the node that serves it ends it and publishes its sessions again.
 *
 * Times are the database's clock (clock_timestamp()), so nodes with skewed clocks agree on who
 * is alive. These tables hold operational state only, not data: they are created here (IF NOT
 * EXISTS, under an advisory lock) rather than by the store's migrations.
 */

const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
const KEEP_MS = 3600_000;

export interface PgNodesOptions {
  readonly connection: string;
  readonly schema: string;
  readonly nodeId: string;
  readonly local: LocalNode;
  /** How often this node publishes its sessions (default 2 s). */
  readonly heartbeatMs?: number;
  /** A node not heard from for this long is dead (default 3 heartbeats). */
  readonly lapseMs?: number;
  readonly onError: (err: Error) => void;
}

interface DisconnectRequest {
  readonly node: string;
  readonly clientFile: number;
}

export class PgNodes implements NodesView {
  readonly nodeId: string;
  private readonly pool: pg.Pool;
  private readonly t: (name: string) => string;
  private readonly channel: string;
  private listener: Doorbell | undefined;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private readonly heartbeatMs: number;
  private readonly lapseMs: number;
  private closed = false;

  private constructor(private readonly options: PgNodesOptions) {
    this.nodeId = options.nodeId;
    this.t = (name) => `"${options.schema}"."${name}"`;
    this.channel = `outpost_admin_${createHash('sha256').update(options.schema).digest('hex').slice(0, 24)}`;
    this.heartbeatMs = options.heartbeatMs ?? 2000;
    this.lapseMs = options.lapseMs ?? 3 * this.heartbeatMs;
    this.pool = new pg.Pool({ connectionString: options.connection, max: 2, application_name: 'outpost-admin-nodes', query_timeout: 10_000 });
    this.pool.on('error', (err) => options.onError(err));
  }

  static async start(options: PgNodesOptions): Promise<PgNodes> {
    const nodes = new PgNodes(options);
    try {
      await nodes.createTables();
      await nodes.beat();
      nodes.listener = new Doorbell(
        { connectionString: options.connection },
        nodes.channel,
        (payload) => nodes.heard(payload),
        (err) => options.onError(err),
      );
      await nodes.listener.start();
    } catch (err) {
      await nodes.close();
      throw err;
    }
    nodes.timer = setInterval(() => void nodes.beat(), nodes.heartbeatMs);
    nodes.timer.unref?.();
    return nodes;
  }

  private async createTables(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      // Nodes starting together create the tables one at a time (IF NOT EXISTS races otherwise).
      await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`outpost.admin-nodes:${this.options.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${this.options.schema}"`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t('admin_nodes')} (node_id TEXT PRIMARY KEY, started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL, sessions JSONB NOT NULL)`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t('admin_node_metrics')} (node_id TEXT NOT NULL, at BIGINT NOT NULL, sample JSONB NOT NULL, PRIMARY KEY (node_id, at))`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t('admin_file_nodes')} (ident BIGINT PRIMARY KEY, node_id TEXT NOT NULL, at BIGINT NOT NULL)`);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  /** Publishes this node's live sessions (and where their files are served), and forgets what is older than an hour. */
  private beat(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // One at a time: a heartbeat asked for while one runs (a disconnect) waits for it.
    const run = async () => {
      const sessions = this.options.local.sessions();
      await this.pool.query(
        `INSERT INTO ${this.t('admin_nodes')} (node_id, started_at, heartbeat_at, sessions) VALUES ($1, ${NOW_MS}, ${NOW_MS}, $2)
         ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, sessions = EXCLUDED.sessions`,
        [this.nodeId, JSON.stringify(sessions)],
      );
      if (sessions.length > 0) {
        await this.pool.query(
          `INSERT INTO ${this.t('admin_file_nodes')} (ident, node_id, at) SELECT ident, $2, ${NOW_MS} FROM unnest($1::bigint[]) AS f(ident)
           ON CONFLICT (ident) DO UPDATE SET node_id = EXCLUDED.node_id, at = EXCLUDED.at`,
          [[...new Set(sessions.map((s) => s.clientFile))], this.nodeId],
        );
      }
      await this.pool.query(`DELETE FROM ${this.t('admin_nodes')} WHERE heartbeat_at < ${NOW_MS} - $1`, [KEEP_MS]);
      await this.pool.query(`DELETE FROM ${this.t('admin_node_metrics')} WHERE at < ${NOW_MS} - $1`, [KEEP_MS]);
    };
    const next = (this.beating ?? Promise.resolve()).then(run).catch((err: Error) => this.options.onError(err));
    this.beating = next;
    return next;
  }

  private heard(payload: string | undefined): void {
    if (payload === undefined) return;
    let req: DisconnectRequest;
    try {
      req = JSON.parse(payload) as DisconnectRequest;
    } catch {
      return;
    }
    if ((req.node !== this.nodeId && req.node !== '*') || !Number.isSafeInteger(req.clientFile)) return;
    if (this.options.local.disconnect(req.clientFile) > 0) void this.beat();
  }

  /** The live nodes other than this one, with their published sessions. */
  private async others(): Promise<{ node: string; sessions: NodeSessionInfo[] }[]> {
    const r = await this.pool.query(`SELECT node_id, sessions FROM ${this.t('admin_nodes')} WHERE node_id <> $1 AND heartbeat_at >= ${NOW_MS} - $2 ORDER BY node_id`, [
      this.nodeId,
      this.lapseMs,
    ]);
    return r.rows.map((row: { node_id: string; sessions: NodeSessionInfo[] }) => ({ node: row.node_id, sessions: row.sessions.map((s) => ({ ...s, node: row.node_id })) }));
  }

  async sessions(): Promise<NodeSessionInfo[]> {
    const mine = this.options.local.sessions().map((s) => ({ ...s, node: this.nodeId }));
    return [...mine, ...(await this.others()).flatMap((n) => n.sessions)];
  }

  async metrics(): Promise<NodeMetrics[]> {
    const live = (await this.others()).map((n) => n.node);
    const out: NodeMetrics[] = [{ node: this.nodeId, samples: this.options.local.samples() }];
    if (live.length === 0) return out;
    const r = await this.pool.query(`SELECT node_id, sample FROM ${this.t('admin_node_metrics')} WHERE node_id = ANY($1::text[]) ORDER BY node_id, at`, [live]);
    const by = new Map<string, MetricsSample[]>(live.map((n) => [n, []]));
    for (const row of r.rows as { node_id: string; sample: MetricsSample }[]) by.get(row.node_id)?.push(row.sample);
    for (const [node, samples] of by) out.push({ node, samples });
    return out;
  }

  async disconnect(clientFile: number, node?: string): Promise<{ ended: number; asked: string[] }> {
    const ended = node === undefined || node === this.nodeId ? this.options.local.disconnect(clientFile) : 0;
    if (ended > 0) void this.beat();
    const others = (await this.others()).filter((n) => (node === undefined ? n.sessions.some((s) => s.clientFile === clientFile) : n.node === node)).map((n) => n.node);
    for (const target of others) {
      await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, JSON.stringify({ node: target, clientFile } satisfies DisconnectRequest)]);
    }
    return { ended, asked: others };
  }

  async lastNodes(idents: readonly number[]): Promise<Map<number, string>> {
    if (idents.length === 0) return new Map();
    const r = await this.pool.query(`SELECT ident, node_id FROM ${this.t('admin_file_nodes')} WHERE ident = ANY($1::bigint[])`, [idents]);
    const out = new Map<number, string>(r.rows.map((row: { ident: string; node_id: string }) => [Number(row.ident), row.node_id]));
    // This node's live sessions are newer than anything published.
    for (const s of this.options.local.sessions()) if (idents.includes(s.clientFile)) out.set(s.clientFile, this.nodeId);
    return out;
  }

  published(sample: MetricsSample): void {
    if (this.closed) return;
    this.pool
      .query(`INSERT INTO ${this.t('admin_node_metrics')} (node_id, at, sample) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [this.nodeId, sample.at, JSON.stringify(sample)])
      .catch((err: Error) => this.options.onError(err));
  }

  /** Stops the heartbeat and removes this node's row: a node that shuts down leaves at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.listener?.stop();
    await this.beating;
    await this.pool.query(`DELETE FROM ${this.t('admin_nodes')} WHERE node_id = $1`, [this.nodeId]).catch(() => {});
    await this.pool.end().catch(() => {});
  }
}
