import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

/*
 * `npm run build`: the published library under dist/ (dist/demo, the demo app `npm start` builds,
 * is left alone and not published).
 *
 *   1. tsc (tsconfig.build.json): one ES module per source file with .d.ts, declaration maps and
 *      source maps (sources inlined), for every entry in package.json's `exports`;
 *   2. Vite (library mode): the worker as one self-contained module, dist/worker.js, which a
 *      bundler bundles from `new Worker(new URL('../worker.js', import.meta.url))` in
 *      dist/client/connection.js, or an app serves as a file and passes as `worker: url`;
 *   3. dist/bin/outpost-server.js, the `outpost-server` command on the built server, and
 *      dist/bin/outpost.js, the `outpost` command (import-app, import-data);
 *   4. Vite: the operator's dashboard, dist/admin, which the built server serves under /admin.
 */

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');

for (const entry of existsSync(dist) ? readdirSync(dist) : []) {
  if (entry !== 'demo') rmSync(join(dist, entry), { recursive: true, force: true });
}

console.log('build: tsc -p tsconfig.build.json');
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });

console.log('build: dist/worker.js');
await build({
  configFile: false,
  root,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: dist,
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    minify: true,
    lib: { entry: join(root, 'src/worker/entry.ts'), formats: ['es'], fileName: () => 'worker.js' },
    // One file: an app may serve it as it is (the worker URL option).
    rolldownOptions: { output: { codeSplitting: false } },
  },
});
// The tsc copy of the entry is not used: the worker is dist/worker.js.
for (const f of ['entry.js', 'entry.js.map', 'entry.d.ts', 'entry.d.ts.map']) rmSync(join(dist, 'worker', f), { force: true });

// Point the default worker at the bundled module (the sources name the TypeScript entry).
const connection = join(dist, 'client/connection.js');
const from = "new URL('../worker/entry.ts', import.meta.url)";
const code = readFileSync(connection, 'utf8');
if (code.split(from).length !== 2) throw new Error(`build: expected one ${from} in dist/client/connection.js`);
writeFileSync(connection, code.replace(from, "new URL('../worker.js', import.meta.url)"));
const worker = readFileSync(join(dist, 'worker.js'), 'utf8');
if (/^\s*import\s/m.test(worker) || /\bimport\(/.test(worker)) throw new Error('build: dist/worker.js is not self-contained');

// tsc rewrites '.ts' to '.js' in the JavaScript it emits, not in declarations.
const relativeTs = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts') || entry.parentPath.startsWith(join(dist, 'demo'))) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(relativeTs, '$1$2.js$3');
  if (fixed !== text) writeFileSync(file, fixed);
}

const bin = join(dist, 'bin/outpost-server.js');
mkdirSync(join(dist, 'bin'), { recursive: true });
writeFileSync(
  bin,
  `#!/usr/bin/env node
// The outpost-server command: the built server. Usage: outpost-server [--config outpost.config.json] [--port 8080] [--store ./data | postgres://…] [--dev]
import { main } from '../server/main.js';

await main();
`,
);
chmodSync(bin, 0o755);
const tool = join(dist, 'bin/outpost.js');
writeFileSync(
  tool,
  `#!/usr/bin/env node
// The outpost command: import-app, import-data (docs/migrating-from-realm.md).
import { main } from '../server/migrate/cli.js';

await main();
`,
);
chmodSync(tool, 0o755);

console.log('build: dist/admin');
await build({ configFile: join(root, 'admin/vite.config.ts'), logLevel: 'warn' });
console.log('build: done');
