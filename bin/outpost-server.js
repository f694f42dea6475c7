#!/usr/bin/env node
// Starts the Outpost sync server: runs src/server/main.ts with tsx (TypeScript, no build step).
// Usage: outpost-server [--config outpost.config.json] [--port 8080] [--store ./data | postgres://…] [--dev]
// Configuration: docs/server.md. Signals are passed on to the server, which shuts down cleanly.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/server/main.ts', import.meta.url));
// Resolve tsx from this package, so the launcher works from any working directory.
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--import', tsx, main, ...process.argv.slice(2)], { stdio: 'inherit' });

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (err) => {
  process.stderr.write(`outpost-server: cannot start node: ${err.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1));
});
