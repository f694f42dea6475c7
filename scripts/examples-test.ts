import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/*
 * `npm run test:examples`: the package as a user gets it. Builds and packs the library, checks the
 * tarball holds only dist/, README, LICENSE, NOTICE and package.json, copies each example under
 * examples/ to a temporary directory, installs the tarball (and the example's other dependencies
 * from the npm registry) into it, builds the web examples, and runs e2e/examples against them
 * with real server processes.
 *
 *   node --import tsx scripts/examples-test.ts [--keep] [--no-build]
 *
 * Installs use --ignore-scripts: the examples run the client only (the server comes from this
 * repository), so better-sqlite3's native build is not needed there.
 */

const root = resolve(import.meta.dirname, '..');
const EXAMPLES = ['react-vite', 'vue-vite', 'webpack', 'node'] as const;
const WEB = new Set(['react-vite', 'vue-vite', 'webpack']);
const keep = process.argv.includes('--keep');
const noBuild = process.argv.includes('--no-build');

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let all = '';
    child.stdout.on('data', (d: Buffer) => ((out += d.toString()), (all += d.toString())));
    child.stderr.on('data', (d: Buffer) => (all += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done(out) : fail(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${code}:\n${all}`))));
  });
}

function step(text: string): void {
  process.stdout.write(`== examples: ${text}\n`);
}

const tmp = mkdtempSync(join(tmpdir(), 'outpost-examples-'));
let failed = false;
try {
  if (!noBuild) {
    step('npm run build');
    await run('npm', ['run', 'build'], root);
  }

  step('npm pack');
  // The JSON report follows whatever the prepack script printed.
  const report = await run('npm', ['pack', '--json', '--pack-destination', tmp], root);
  const packed = JSON.parse(report.slice(report.search(/^\[/m))) as { filename: string; files: { path: string }[] }[];
  const tarball = join(tmp, packed[0]!.filename);
  const strays = packed[0]!.files.map((f) => f.path).filter((p) => !p.startsWith('dist/') && !['README.md', 'LICENSE', 'NOTICE', 'package.json'].includes(p));
  if (strays.length > 0) throw new Error(`the tarball holds files beyond dist/, README, LICENSE, NOTICE, package.json: ${strays.join(', ')}`);
  if (packed[0]!.files.some((f) => f.path.startsWith('dist/demo/') || /\.test\.|testing\//.test(f.path))) throw new Error('the tarball holds the demo or tests');
  step(`${packed[0]!.filename}: ${packed[0]!.files.length} files`);

  step('install the tarball into a copy of each example');
  await Promise.all(
    EXAMPLES.map(async (name) => {
      const dir = join(tmp, name);
      cpSync(join(root, 'examples', name), dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist|data)$/.test(src) });
      const pkgFile = join(dir, 'package.json');
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies: Record<string, string> };
      pkg.dependencies.outpost = `file:${tarball}`;
      writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
      await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], dir);
    }),
  );

  for (const name of EXAMPLES.filter((n) => WEB.has(n))) {
    step(`build ${name}`);
    await run('npm', ['run', 'build'], join(tmp, name));
  }

  step('playwright test -c e2e/examples/playwright.config.ts');
  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'e2e/examples/playwright.config.ts'], {
      cwd: root,
      env: { ...process.env, OUTPOST_EXAMPLES_DIR: tmp },
      stdio: 'inherit',
    });
    child.on('exit', done);
  });
  if (code !== 0) throw new Error(`the examples' Playwright tests failed (exit ${code})`);
  step('passed');
} catch (err) {
  failed = true;
  process.stderr.write(`${(err as Error).message}\n`);
} finally {
  if (keep || failed) process.stdout.write(`(the packed examples are in ${tmp})\n`);
  else rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
