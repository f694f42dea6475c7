export { createHttpServer, type HttpServerOptions } from './app.ts';
export { createHttpCore, type HttpContext, type HttpCoreOptions, type HttpResult, type OutpostHttpServer, type RouteHandler, type RouteOptions, type UpgradeHandler } from './server.ts';
export { type AdminHooks, type AdminOptions } from './admin-routes.ts';
export { httpStatusFor, parseBody, sendError, sendJson, SECURITY_HEADERS } from './errors.ts';
export { parseJsonStrict, readJsonBody } from './body.ts';
export { STATIC_CSP } from './static.ts';
