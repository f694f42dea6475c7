import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { ProtocolClient } from './protocol-client.ts';

/*
 * Test support: the real server as a separate process (bin/outpost-server.js, the same command
 * users run), its HTTP auth API, and protocol clients with real access tokens.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const JWT_SECRET = 'outpost-test-secret-outpost-test-secret-0123456789';
export const ADMIN_KEY = 'outpost-test-admin-key-outpost-test-admin-key-0123';
export const ISSUER = 'outpost:test';
export const AUDIENCE = 'test';
export const ALLOWED_ORIGIN = 'http://allowed.example';

export const workOrderSchema: ObjectSchemaInput[] = [
  {
    name: 'WorkOrder',
    primaryKey: '_id',
    properties: {
      _id: 'string',
      title: 'string',
      status: 'string',
      assigneeId: 'string',
      region: 'string',
      visits: 'counter',
      notes: 'string?',
      tasks: 'Task[]',
    },
  },
  { name: 'Task', embedded: true, properties: { title: 'string', done: 'bool' } },
];
export const schema = parseSchema(workOrderSchema);

/** The metrics token every test server gets (`/metrics` is refused without one). */
export const METRICS_TOKEN = 'metrics-token-for-tests-0123456789-abcdef';

export function baseConfig(store: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    port: 0,
    appId: 'test',
    store,
    schema: workOrderSchema,
    queryableFields: { global: ['assigneeId', 'region', 'status'] },
    roles: {
      default: [{ name: 'technician', applyWhen: true, read: true, write: 'assigneeId == %%user.id' }],
    },
    auth: { tokens: { secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE } },
    adminKey: ADMIN_KEY,
    metricsToken: METRICS_TOKEN,
    allowedOrigins: [ALLOWED_ORIGIN],
    logLevel: 'warn',
    ...extra,
  };
}

export interface ServerProcess {
  readonly url: string;
  readonly wsUrl: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Starts `bin/outpost-server.js` with a config file; resolves once it listens. */
export async function startServerProcess(config: Record<string, unknown>, logLevel = 'info'): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-proc-'));
  const file = join(dir, 'outpost.config.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [join(root, 'bin', 'outpost-server.js'), '--config', file], {
    cwd: dir,
    env: { ...process.env, OUTPOST_LOG_LEVEL: logLevel },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 60_000);
    const look = () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}):\n${out}`));
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws') + '/api/sync',
    child,
    output: () => out,
    stop: async () => {
      await end('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => end('SIGKILL'),
  };
}

export async function api(url: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Registers (once) and logs in an email/password user; returns its id and access token. */
export async function user(url: string, email: string): Promise<{ userId: string; accessToken: string; refreshToken: string }> {
  const password = 'correct horse battery staple';
  const reg = await api(url, 'POST', '/api/auth/register', { email, password });
  if (reg.status !== 201 && reg.status !== 409) throw new Error(`register failed: ${JSON.stringify(reg.json)}`);
  const login = await api(url, 'POST', '/api/auth/login', { provider: 'email', email, password });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.json)}`);
  return login.json;
}

/** An access token signed like the server's (tests of expiry and of forged tokens). */
export async function forgeToken(userId: string, options: { expiresInSeconds?: number; audience?: string; secret?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ provider: 'email' })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now)
    .setJti(Math.random().toString(36).slice(2))
    .setExpirationTime(now + (options.expiresInSeconds ?? 300))
    .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

export function client(wsUrl: string, token: string, options: { origin?: string } = {}): ProtocolClient {
  return new ProtocolClient({ url: wsUrl, token, schema, ...(options.origin ? { origin: options.origin } : {}) });
}

export const everything = [{ objectType: 'WorkOrder', query: 'TRUEPREDICATE', args: [] }];

export function workOrder(id: string, assigneeId: string, fields: Record<string, unknown> = {}) {
  return [
    { op: 'CreateObject' as const, type: 'WorkOrder', pk: id },
    ...Object.entries({ title: 'Replace valve', status: 'open', assigneeId, region: 'north', ...fields }).map(([k, v]) => ({
      op: 'Set' as const,
      type: 'WorkOrder',
      pk: id,
      path: [k],
      value: v as never,
    })),
  ];
}
