export { AccessTokens, MAX_ACCESS_TOKEN_SECONDS, MIN_HS256_SECRET_BYTES, type AccessTokenOptions, type AccessTokenSigning, type VerifiedAccessToken } from './access-token.ts';
export { ASYMMETRIC_ALGS, CustomJwtVerifier, HMAC_ALGS, type CustomJwtAlg, type CustomJwtOptions, type VerifiedExternal } from './custom-jwt.ts';
export {
  MAX_PASSWORD_BYTES,
  MIN_SCRYPT_N,
  PASSWORD_DEFAULTS,
  SCRYPT_DEFAULTS,
  checkPassword,
  checkScryptParams,
  hashPassword,
  needsRehash,
  parseHash,
  verifyPassword,
  type PasswordPolicy,
  type ScryptParams,
} from './password.ts';
export { AttemptLimiter, type LimitRule } from './rate-limit.ts';
export { AuthService, normalizeEmail, type AuthServiceOptions, type LoginRequest, type Profile, type Provider, type RequestInfo, type TokenPair } from './service.ts';
