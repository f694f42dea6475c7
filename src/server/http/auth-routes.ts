import * as v from 'valibot';
import { OutpostError } from '../../errors.ts';
import type { AuthService, LoginRequest } from '../auth/service.ts';
import type { MetricsRegistry } from '../metrics.ts';
import { parseBody } from './errors.ts';
import type { OutpostHttpServer } from './server.ts';

/*
 * The auth endpoints of docs/protocol.md section 1. Bodies are checked here for shape (strict:
 * an unknown field is an error); the auth service checks meaning (email format, password policy).
 */

const str = (max: number) => v.pipe(v.string(), v.maxLength(max));

const registerBody = v.strictObject({ email: str(254), password: str(4096) });
const loginBody = v.variant('provider', [
  v.strictObject({ provider: v.literal('anonymous') }),
  v.strictObject({ provider: v.literal('email'), email: str(254), password: str(4096) }),
  v.strictObject({ provider: v.literal('jwt'), token: str(16_384) }),
  v.strictObject({ provider: v.literal('api-key'), key: str(200) }),
]);
const refreshBody = v.strictObject({ refreshToken: str(200) });

export function mountAuthRoutes(http: OutpostHttpServer, auth: AuthService, metrics: MetricsRegistry): void {
  const logins = metrics.counter('outpost_auth_logins_total', 'Login attempts by provider and result.', ['provider', 'result']);
  const refreshes = metrics.counter('outpost_auth_refreshes_total', 'Refresh-token exchanges by result.', ['result']);
  const result = (err: unknown): string => (err instanceof OutpostError ? err.code : 'internal');

  http.route('POST', '/api/auth/register', async (ctx) => {
    const body = parseBody(registerBody, await ctx.json());
    return { status: 201, body: await auth.register(body.email, body.password, { ip: ctx.ip }) };
  });

  http.route('POST', '/api/auth/login', async (ctx) => {
    const raw = await ctx.json();
    const body = parseBody(loginBody, raw) as LoginRequest;
    try {
      const tokens = await auth.login(body, { ip: ctx.ip });
      logins.inc({ provider: body.provider, result: 'ok' });
      return { status: 200, body: tokens };
    } catch (err) {
      logins.inc({ provider: body.provider, result: result(err) });
      throw err;
    }
  });

  http.route('POST', '/api/auth/refresh', async (ctx) => {
    const body = parseBody(refreshBody, await ctx.json());
    try {
      const tokens = await auth.refresh(body.refreshToken);
      refreshes.inc({ result: 'ok' });
      return { status: 200, body: tokens };
    } catch (err) {
      refreshes.inc({ result: result(err) });
      if (err instanceof OutpostError && err.code === 'refresh_token_reused') ctx.log.warn({ requestId: ctx.requestId, ip: ctx.ip }, 'refresh token reuse: family revoked');
      throw err;
    }
  });

  http.route('POST', '/api/auth/logout', async (ctx) => {
    const body = parseBody(refreshBody, await ctx.json());
    await auth.logout(body.refreshToken);
    return { status: 204 };
  });

  http.route('GET', '/api/auth/profile', async (ctx) => {
    const token = ctx.bearer();
    if (!token) throw new OutpostError('unauthorized', 'an access token is required (Authorization: Bearer <token>)');
    return { status: 200, body: await auth.profile(token) };
  });
}
