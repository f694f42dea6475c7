import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/*
 * The import graph of the repository's own TypeScript, read from the source text: every relative
 * `import`/`export … from`/`import()` of a file (and the in-repo `outpost*` package names, which
 * resolve to the sources). scripts/imports.test.ts holds the rules of docs/architecture.md to it;
 * `node --import tsx scripts/imports.ts` prints the cycles, the production files that import test
 * support and the largest production files.
 */

export const ROOT = resolve(import.meta.dirname, '..');
const FOLDERS = ['src', 'bench', 'e2e', 'admin', 'scripts', 'examples', 'test-pages'];
const SKIP = new Set(['node_modules', 'dist', 'fixtures']);
const PACKAGE: Record<string, string> = {
  outpost: 'src/client/index.ts',
  'outpost/react': 'src/react/index.ts',
  'outpost/vue': 'src/vue/index.ts',
  'outpost/server': 'src/server/index.ts',
  'outpost/core': 'src/core.ts',
};

function walk(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(join(ROOT, dir));
  } catch {
    return;
  }
  for (const name of names) {
    if (SKIP.has(name)) continue;
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) walk(path, out);
    else if (/\.(ts|tsx|vue)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
}

/** Every source file, relative to the repository root. */
export function sourceFiles(): string[] {
  const out: string[] = [];
  for (const dir of FOLDERS) walk(dir, out);
  return out.sort();
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** file → the in-repo files it imports (type-only imports included: they are dependencies too). */
export function importGraph(files = sourceFiles()): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const targets = new Set<string>();
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1]!;
      let target: string | undefined;
      if (spec.startsWith('.')) target = relative(ROOT, resolve(ROOT, dirname(file), spec));
      else target = PACKAGE[spec];
      if (target !== undefined && known.has(target)) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

/** Tests and the code that exists only for them: its own rooms and file kinds. */
export function isTestSupport(file: string): boolean {
  return (
    /\.test\.tsx?$/.test(file) ||
    /(^|\/)testing\//.test(file) ||
    /^src\/sim\//.test(file) ||
    /-cli\.ts$/.test(file)
  );
}

/** What ships or runs for users: src/ outside tests and test support. */
export function isProduction(file: string): boolean {
  return file.startsWith('src/') && !isTestSupport(file);
}

export function lineCount(file: string): number {
  return readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const graph = importGraph();
  const found = cycles(graph);
  console.log(`${graph.size} files, ${[...graph.values()].reduce((n, t) => n + t.length, 0)} imports`);
  console.log(`cycles: ${found.length}`);
  for (const c of found) console.log(`  ${c.join(' ↔ ')}`);
  const upward = [...graph].flatMap(([f, ts]) =>
    isProduction(f) ? ts.filter((t) => isTestSupport(t)).map((t) => `${f} → ${t}`) : [],
  );
  console.log(`production → test support: ${upward.length}`);
  for (const u of upward) console.log(`  ${u}`);
  const sizes = [...graph.keys()].filter(isProduction).map((f) => [f, lineCount(f)] as const);
  sizes.sort((a, b) => b[1] - a[1]);
  console.log('largest production files:');
  for (const [f, n] of sizes.slice(0, 8)) console.log(`  ${n} ${f}`);
}
