/*
 * Seeds the field-service demo: two technicians with known logins, their public Technician cards,
 * 30 customers in three regions and 200 work orders with checklists.
 *
 *   node --import tsx scripts/seed-demo.ts --config outpost.config.json --dev [--store <dir>]
 *
 * (`--dev`: the demo runs in development mode, which generates the admin key and token secret it
 * needs; `npm run seed:demo` passes it.)
 *
 * It starts the server in this process on a loopback port (same configuration, flags and
 * environment as `outpost-server`), then writes through the server's own HTTP APIs with the admin
 * key: users through the admin API, objects through the data API, so every object is a changeset
 * in the history and reaches clients like any other change. Idempotent: primary keys are derived
 * from names and only missing objects are inserted, so running it again adds nothing. Run it
 * while no other server uses the same data directory (the embedded store allows one process).
 */
import { isDeepStrictEqual } from 'node:util';
import { encodeValue, parseSchema, type ObjectSchemaInput, type Value } from '../src/core.ts';
import { attachSyncEngine, ConfigError, loadConfig, startServer, type RunningServer } from '../src/server/index.ts';
import { schema as demoSchema } from '../demo/shared/schema.ts';
import { TECHNICIANS } from '../demo/shared/accounts.ts';
import { customers, workOrders } from './demo-data.ts';

const WORK_ORDERS = 200;

class Api {
  constructor(
    private readonly base: string,
    private readonly key: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.base + path, {
      method,
      headers: { Authorization: `Bearer ${this.key}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { status: res.status, body: parsed };
  }

  /** The primary keys (as Extended JSON text) of every object of a type the server has. */
  async existing(type: string): Promise<Set<string>> {
    const { body } = await this.call<{ objects: { _id: unknown }[] }>('POST', `/api/data/${type}/query`, { query: 'TRUEPREDICATE', limit: 10_000 });
    return new Set(body.objects.map((o) => JSON.stringify(o._id)));
  }

  async insertMissing(type: string, objects: readonly object[]): Promise<number> {
    const have = await this.existing(type);
    let added = 0;
    for (const object of objects) {
      const encoded = encodeValue(object as Value) as Record<string, unknown>;
      if (have.has(JSON.stringify(encoded._id))) continue;
      await this.call('POST', `/api/data/${type}/insert`, { object: encoded });
      added++;
    }
    return added;
  }
}

function normalized(input: readonly ObjectSchemaInput[]): ObjectSchemaInput[] {
  return parseSchema(input)
    .toJSON()
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The app's schema must be the server's: a client with another schema is refused at BIND. */
function checkSchemas(configured: readonly ObjectSchemaInput[], stored: readonly ObjectSchemaInput[]): void {
  if (!isDeepStrictEqual(normalized(configured), normalized(demoSchema))) {
    throw new Error('the schema in the server configuration differs from demo/shared/schema.ts; make them the same');
  }
  if (!isDeepStrictEqual(normalized(stored), normalized(demoSchema))) {
    throw new Error('the data directory holds a different schema (created by an older demo); remove the data directory to start over');
  }
}

async function seed(server: RunningServer): Promise<void> {
  if (!server.adminKey) throw new Error('seeding needs the admin key: set OUTPOST_ADMIN_KEY, or run in development mode (it generates one)');
  const api = new Api(server.url, server.adminKey);
  const { body: stored } = await api.call<{ schema: ObjectSchemaInput[] }>('GET', '/api/admin/schema');
  checkSchemas(server.config.schema, stored.schema);

  const { body: listed } = await api.call<{ users: { id: string; email?: string | null }[] }>('GET', '/api/admin/users?limit=1000');
  const ids = new Map<string, string>();
  for (const t of TECHNICIANS) {
    // The roles read these fields (outpost.config.json): which role applies, and which regions it covers.
    const customData = { role: 'technician', name: t.name, region: t.region, coverRegion: t.coverRegion };
    const found = listed.users.find((u) => u.email === t.email);
    if (found) {
      await api.call('PUT', `/api/admin/users/${found.id}/custom-data`, { customData });
      ids.set(t.email, found.id);
    } else {
      const { body } = await api.call<{ user: { id: string } }>('POST', '/api/admin/users', { email: t.email, password: t.password, customData });
      ids.set(t.email, body.user.id);
    }
  }

  const technicians = TECHNICIANS.map((t) => ({ _id: ids.get(t.email)!, name: t.name, email: t.email, regions: [t.region, t.coverRegion] }));
  const added = {
    technicians: await api.insertMissing('Technician', technicians),
    customers: await api.insertMissing('Customer', customers()),
    workOrders: await api.insertMissing('WorkOrder', workOrders(WORK_ORDERS, ids, new Date())),
  };
  const total = added.technicians + added.customers + added.workOrders;
  process.stdout.write(
    total === 0
      ? 'demo data already seeded; nothing to add\n'
      : `seeded ${added.technicians} technicians, ${added.customers} customers, ${added.workOrders} work orders\n`,
  );
  for (const t of TECHNICIANS) process.stdout.write(`  login: ${t.email} / ${t.password} (${t.name})\n`);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ argv: process.argv.slice(2) });
  } catch (err) {
    process.stderr.write(`seed: ${(err as Error).message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  // Loopback and an ephemeral port: nothing outside this process sees the server while it seeds.
  const server = await startServer({ config: { ...config, port: 0, host: '127.0.0.1', staticDir: undefined, logLevel: 'warn' }, attachSync: attachSyncEngine });
  try {
    await seed(server);
  } finally {
    await server.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`seed: ${err.message}\n`);
  process.exit(1);
});
