export { DataApi, type DataCaller, type DataRequest, type DataResponse } from './data-api.ts';
export { SyncEngine, type EngineOptions, type EngineSession, type SyncMetricsSink } from './engine.ts';
export { SERVER_ORIGIN, type CompensatingWrite } from './integrate.ts';
export { SessionRoles, type RoleSpec, type RuleSpec, type RulesSpec } from './roles.ts';
export { DEFAULT_SESSION_LIMITS, actionFor, type SessionAuth, type SessionLimits, type SessionLog } from './session.ts';
export { createSyncEndpoint, type SyncEndpoint, type SyncEndpointOptions } from './websocket.ts';
