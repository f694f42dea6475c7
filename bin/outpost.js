#!/usr/bin/env node
// The `outpost` command: tools for moving an app to Outpost (import-app, import-data). Runs
// src/server/migrate/cli.ts through tsx's loader (TypeScript, no build step) in this process.
// Usage: outpost import-app <export-dir> [--out outpost.config.json]
//        outpost import-data --type <Type> <file> (--server <url> | --config <cfg>) [--restart]
// See docs/migrating-from-realm.md.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../src/server/migrate/cli.ts', import.meta.url).href);
await main();
