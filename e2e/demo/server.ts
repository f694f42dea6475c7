import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Gateway } from './gateway.ts';

/*
 * A real Outpost server process for one test: its own port and a copy of the seeded data
 * directory, serving the built demo. `kill()` is SIGKILL (no shutdown, as in a crash) and `start()`
 * brings it back on the same port and data, so clients reconnect to the same URL. Each browser
 * context reaches it through its own Gateway (gateway.ts), so a test can take one device offline.
 *
 * The process is `node --import tsx src/server/main.ts`, not bin/outpost-server.js: the launcher
 * runs the server as a child, and a SIGKILL to the launcher would leave that child running.
 */

const REPO = resolve(import.meta.dirname, '../..');
/** /metrics answers only with a metrics token. */
const METRICS_TOKEN = 'e2e-metrics-token-0123456789-abcdefghijkl';

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export class DemoServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Everything the server wrote, across restarts (attached to a failing test). */
  log = '';

  private unused: Gateway[];

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly gateways: readonly Gateway[],
    private readonly options: NodeOptions = {},
  ) {
    this.unused = [...gateways];
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Copies the seeded template (global-setup.ts) and starts a server on it; or, given a
   * PostgreSQL store (seeded by pg-nodes.ts), starts one node of it.
   */
  static async create(options: NodeOptions = {}): Promise<DemoServer> {
    const template = process.env.OUTPOST_DEMO_TEMPLATE;
    if (!template || !process.env.OUTPOST_DEMO_STATIC) throw new Error('run through e2e/demo/playwright.config.ts (its global setup builds and seeds)');
    const dir = mkdtempSync(join(tmpdir(), 'outpost-demo-data-'));
    if (!options.postgres) cpSync(template, dir, { recursive: true });
    const port = await freePort();
    const gateways = await Promise.all([0, 1, 2].map(() => Gateway.start(port)));
    const server = new DemoServer(dir, port, gateways, options);
    await server.start();
    return server;
  }

  /** A network path of its own for one device (one browser context). */
  gateway(): Gateway {
    const g = this.unused.shift();
    if (!g) throw new Error('no gateway left: DemoServer.create makes three');
    return g;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('the server is running');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts', '--config', 'outpost.config.json', '--dev'], {
      cwd: REPO,
      env: {
        ...process.env,
        OUTPOST_PORT: String(this.port),
        OUTPOST_HOST: '127.0.0.1',
        OUTPOST_STORE: this.options.postgres?.url ?? this.dir,
        ...(this.options.postgres ? { OUTPOST_PG_SCHEMA: this.options.postgres.schema, OUTPOST_ADMIN_KEY: this.options.postgres.adminKey } : {}),
        ...(this.options.nodeId ? { OUTPOST_NODE_ID: this.options.nodeId } : {}),
        OUTPOST_STATIC_DIR: process.env.OUTPOST_DEMO_STATIC,
        OUTPOST_ADMIN_DIR: process.env.OUTPOST_DEMO_ADMIN,
        // The pages' origins. Only needed because the WebSocket upgrade does not yet accept the
        // server's own origin the way /api does (see the demo's notes on src/server/sync/websocket.ts).
        OUTPOST_ALLOWED_ORIGINS: [this.url, ...this.gateways.map((g) => g.url)].join(','),
        OUTPOST_LOG_LEVEL: 'info',
        OUTPOST_METRICS_TOKEN: METRICS_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.exited = new Promise((done) => child.once('exit', () => done()));
    void this.exited.then(() => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.child !== child) throw new Error(`the server exited while starting:\n${this.log}`);
      try {
        const res = await fetch(`${this.url}/api/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the server did not start within 30 s:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A crash: SIGKILL, no shutdown. Resolves when the process is gone. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }

  async dispose(): Promise<void> {
    await this.kill();
    await Promise.all(this.gateways.map((g) => g.close()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  adminKey(): string {
    if (this.options.postgres) return this.options.postgres.adminKey;
    // Development mode generated it into the data directory when the template was seeded.
    return readFileSync(join(this.dir, 'admin-key'), 'utf8').trim();
  }

  /** The admin API: `POST /api/admin/<path>`. */
  async admin<T>(path: string, body: Record<string, unknown>): Promise<T> {
    const res = await fetch(`${this.url}/api/admin/${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.adminKey()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`admin API ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** The data API as the admin: what the server holds, independent of any browser. */
  async data<T>(type: string, action: 'query' | 'get' | 'update', body: Record<string, unknown>): Promise<T> {
    const res = await fetch(`${this.url}/api/data/${type}/${action}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.adminKey()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`data API ${type}/${action}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Work orders as the server has them (Extended JSON: `_id` is `{ $oid }`). */
  async workOrders(query: string, ...args: unknown[]): Promise<ServerWorkOrder[]> {
    const { objects } = await this.data<{ objects: ServerWorkOrder[] }>('WorkOrder', 'query', { query, args, limit: 1000 });
    return objects;
  }

  async workOrder(code: string): Promise<ServerWorkOrder> {
    const [wo] = await this.workOrders('code == $0', code);
    if (!wo) throw new Error(`the server has no work order ${code}`);
    return wo;
  }

  /** The user id of a seeded technician (their Technician card is keyed by it). */
  async technicianId(name: string): Promise<string> {
    const { objects } = await this.data<{ objects: { _id: string }[] }>('Technician', 'query', { query: 'name == $0', args: [name] });
    if (!objects[0]) throw new Error(`no technician ${name}`);
    return objects[0]._id;
  }

  /** The first few open jobs of a technician (nothing ticked yet), in code order. */
  async openJobsOf(name: string): Promise<ServerWorkOrder[]> {
    return this.workOrders("assigneeId == $0 AND status == 'open' SORT(code ASC)", await this.technicianId(name));
  }

  /** A value of the Prometheus text at /metrics, e.g. `outpost_sync_sessions`. */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }
}

/** One node of several sharing a PostgreSQL database (e2e/demo/pg-nodes.ts). */
export interface NodeOptions {
  readonly postgres?: { readonly url: string; readonly schema: string; readonly adminKey: string };
  readonly nodeId?: string;
}

export interface ServerWorkOrder {
  readonly _id: { readonly $oid: string };
  readonly code: string;
  readonly title: string;
  readonly description: string;
  readonly status: string;
  readonly priority: number;
  readonly region: string;
  readonly assigneeId: string | null;
  readonly tasks: readonly { title: string; done: boolean }[];
  readonly parts: readonly { sku: string; qty: number }[];
  readonly notes: readonly { text: string; author: string }[];
}
