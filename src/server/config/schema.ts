import * as v from 'valibot';
import { LIMITS } from '../../protocol/index.ts';
import { ASYMMETRIC_ALGS, HMAC_ALGS } from '../auth/custom-jwt.ts';

/*
 * The configuration schema (valibot). Every object is strict: an unknown key (a typo) is an
 * error, not silently ignored. Defaults are filled in here; cross-field checks (schema, roles,
 * secrets) are in load.ts.
 */

/** A JSON object of `value`s: valibot's `record` alone would turn an array into an object instead of refusing it. */
export function objectOf<S extends v.GenericSchema>(value: S) {
  return v.pipe(
    v.custom<Record<string, unknown>>((x) => x !== null && typeof x === 'object' && !Array.isArray(x), 'must be a JSON object'),
    v.record(v.string(), value),
  );
}

const int = (min: number, max: number) => v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max));
const nonEmpty = v.pipe(v.string(), v.minLength(1));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const rule = v.union([v.boolean(), v.pipe(v.string(), v.minLength(1), v.maxLength(16_384))], 'must be true, false or a query-language filter');

export const roleSchema = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  applyWhen: rule,
  read: rule,
  write: rule,
  fields: v.optional(objectOf(v.strictObject({ read: v.optional(v.boolean()), write: v.optional(v.boolean()) }))),
});

const origin = v.pipe(
  v.string(),
  v.regex(/^https?:\/\/[^/\s?#]+$/, 'an origin is scheme://host[:port] with no path, like "https://app.example.com"'),
  v.transform((s) => s.toLowerCase()),
);

const limitRule = v.strictObject({ max: int(1, 1_000_000), windowSeconds: int(1, 86_400) });

const customJwtSchema = v.strictObject({
  algorithms: v.pipe(v.array(v.picklist([...HMAC_ALGS, ...ASYMMETRIC_ALGS])), v.minLength(1, 'pin at least one algorithm')),
  issuer: nonEmpty,
  audience: v.union([nonEmpty, v.pipe(v.array(nonEmpty), v.minLength(1))]),
  jwks: v.optional(v.strictObject({ keys: v.array(objectOf(v.unknown())) })),
  publicKey: v.optional(nonEmpty),
  secret: v.optional(nonEmpty),
  emailClaim: v.optional(nonEmpty),
  customDataClaims: v.optional(v.array(nonEmpty)),
  clockToleranceSeconds: v.optional(int(0, 300)),
});

export const configSchema = v.strictObject({
  port: v.optional(int(0, 65535), 8080),
  host: v.optional(nonEmpty, '0.0.0.0'),
  /** A directory for the embedded store, or a postgres:// URL. */
  store: v.optional(nonEmpty, './data'),
  postgres: v.optional(
    v.strictObject({
      schema: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a PostgreSQL schema name is a plain identifier')), 'public'),
      poolSize: v.optional(int(1, 1000), 10),
      // Bounds on waiting for PostgreSQL (see PostgresTimeouts); a partition must not hang a node.
      connectTimeoutMs: v.optional(int(100, 600_000), 10_000),
      queryTimeoutMs: v.optional(int(100, 3_600_000), 30_000),
      idleInTransactionTimeoutMs: v.optional(int(1_000, 3_600_000), 60_000),
    }),
    {},
  ),
  appId: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" and "-" only')), 'outpost'),
  schema: v.optional(v.array(objectOf(v.unknown())), []),
  developmentMode: v.optional(v.boolean(), false),
  queryableFields: v.optional(
    v.strictObject({ global: v.optional(v.array(nonEmpty), []), byType: v.optional(objectOf(v.array(nonEmpty)), {}) }),
    {},
  ),
  /**
   * Partition-based sync: the partition key field and the read/write permissions of a partition,
   * as filters on that field (config/partition.ts). Permissions not given deny.
   */
  partition: v.optional(v.strictObject({ key: nonEmpty, read: v.optional(rule), write: v.optional(rule) })),
  roles: v.optional(
    v.strictObject({
      byType: v.optional(objectOf(v.array(roleSchema)), {}),
      // Deny unless a rule grants: no default role (the server warns at startup when there are none).
      default: v.optional(v.array(roleSchema), []),
    }),
    {},
  ),
  auth: v.optional(
    v.strictObject({
      providers: v.optional(
        v.strictObject({
          anonymous: v.optional(v.boolean(), true),
          email: v.optional(v.boolean(), true),
          apiKey: v.optional(v.boolean(), true),
          customJwt: v.optional(customJwtSchema),
        }),
        {},
      ),
      tokens: v.optional(
        v.strictObject({
          algorithm: v.optional(v.picklist(['HS256', 'EdDSA', 'ES256']), 'HS256'),
          /** HS256 secret; generated and kept in the data directory in development mode. */
          secret: v.optional(v.pipe(v.string(), v.check((s) => Buffer.byteLength(s) >= 32, 'the secret must be at least 32 bytes'))),
          /** EdDSA/ES256: a PKCS#8 PEM private key. */
          privateKey: v.optional(nonEmpty),
          previousPublicKeys: v.optional(v.array(nonEmpty), []),
          issuer: v.optional(nonEmpty),
          audience: v.optional(nonEmpty),
          accessTokenTtlSeconds: v.optional(int(30, 900), 600),
          refreshTokenTtlSeconds: v.optional(int(300, 365 * 86_400), 60 * 86_400),
          refreshGraceSeconds: v.optional(int(0, 300), 30),
        }),
        {},
      ),
      password: v.optional(
        v.strictObject({
          minLength: v.optional(int(6, 128), 8),
          maxLength: v.optional(int(16, 1024), 256),
          scryptN: v.optional(v.pipe(int(2 ** 16, 2 ** 20), v.check((n) => (n & (n - 1)) === 0, 'scryptN must be a power of two')), 2 ** 17),
          scryptR: v.optional(int(8, 32), 8),
          scryptP: v.optional(int(1, 16), 1),
        }),
        {},
      ),
      rateLimit: v.optional(
        v.strictObject({
          perEmail: v.optional(limitRule, { max: 10, windowSeconds: 900 }),
          perIp: v.optional(limitRule, { max: 100, windowSeconds: 900 }),
        }),
        {},
      ),
    }),
    {},
  ),
  /** The admin API key (Authorization: Bearer <key>); generated in development mode. */
  adminKey: v.optional(v.pipe(v.string(), v.minLength(32, 'the admin key must be at least 32 characters'))),
  /**
   * Users who may enter the operator's dashboard with their own credentials, by user id or email
   * (an email names the email/password account holding it). Nobody is an admin unless listed here
   * or given the role by an existing admin (docs/server.md, "Admin users").
   */
  adminUsers: v.optional(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(256))), []),
  /** This node's name in the dashboard (default: host name and process id). */
  nodeId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  /** `GET /metrics` needs `Authorization: Bearer <metricsToken>`; without one it is refused. */
  metricsToken: v.optional(v.pipe(v.string(), v.minLength(32, 'the metrics token must be at least 32 characters'))),
  allowedOrigins: v.optional(v.union([v.literal('*'), v.array(origin)], 'a list of origins, or "*"'), []),
  limits: v.optional(
    v.strictObject({
      maxFrameBytes: v.optional(int(1024, 64 * 1024 * 1024), 16 * 1024 * 1024),
      // The wire format refuses larger sets (LIMITS.maxSubscriptions), so the setting can only lower it.
      maxSubscriptions: v.optional(int(1, LIMITS.maxSubscriptions), LIMITS.maxSubscriptions),
      maxQueryBytes: v.optional(int(64, 1024 * 1024), 16 * 1024),
      messagesPerSecond: v.optional(int(1, 100_000), 200),
      bytesPerSecond: v.optional(int(1024, 1024 * 1024 * 1024), 8 * 1024 * 1024),
      maxSessions: v.optional(int(1, 1_000_000), 10_000),
      maxBodyBytes: v.optional(int(1024, 64 * 1024 * 1024), 1024 * 1024),
      // How far ahead of the server's clock an uploaded timestamp may be (docs/merge-rules.md).
      maxClockSkewSeconds: v.optional(int(1, 7 * 86_400), 600),
    }),
    {},
  ),
  /**
   * How long history is kept for clients that are away. A client file not seen for
   * `maxOfflineSeconds` is retired (its next session gets a client reset), and compaction, every
   * `compactIntervalSeconds`, deletes the history no client within that window needs.
   */
  history: v.optional(
    v.strictObject({
      maxOfflineSeconds: v.optional(int(1, 10 * 365 * 86_400), 30 * 86_400),
      compactIntervalSeconds: v.optional(int(1, 7 * 86_400), 3600),
    }),
    {},
  ),
  staticDir: v.optional(nonEmpty),
  adminDir: v.optional(nonEmpty),
  logLevel: v.optional(v.picklist(LOG_LEVELS), 'info'),
});

export type ConfigInput = v.InferInput<typeof configSchema>;
export type ParsedConfig = v.InferOutput<typeof configSchema>;
