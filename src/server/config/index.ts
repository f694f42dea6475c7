export { ConfigError, ENV_VARS, loadConfig, parseConfig, rulesFromConfig, sessionLimitsFromConfig, type LoadOptions, type LogLevel, type OutpostConfig, type RoleConfig, type RolesConfig, type RuleConfig, type StoreConfig } from './load.ts';
export { LOG_LEVELS, configSchema, type ConfigInput } from './schema.ts';
export { authOptionsFromConfig, resolveSecrets, type ResolvedSecrets } from './secrets.ts';
export { currentRules } from './stored-rules.ts';
