#!/usr/bin/env node
// Starts the Outpost sync server: runs src/server/main.ts through tsx's loader (TypeScript, no
// build step) inside this same process, so signals and exit codes are the server's own and a
// kill of this process leaves nothing listening behind it.
// Usage: outpost-server [--config outpost.config.json] [--port 8080] [--store ./data | postgres://…] [--dev]
// Configuration: docs/server.md.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../src/server/main.ts', import.meta.url).href);
await main();
