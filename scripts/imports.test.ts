import { describe, expect, it } from 'vitest';
import { cycles, importGraph, isProduction, isTestSupport } from './imports.ts';

/*
 * docs/architecture.md's rules, held to the code's own imports (scripts/imports.ts reads them):
 * no import cycle, no production file importing test support, and each layer importing only
 * the layers below it.
 */

const graph = importGraph();

/** The layer of a source file, by folder (undefined: not one of src/'s layers). */
function layer(file: string): string | undefined {
  const m = /^src\/(errors\.ts|core\.ts|[^/]+)/.exec(file);
  if (!m) return undefined;
  return m[1] === 'errors.ts' ? 'errors' : m[1] === 'core.ts' ? 'core' : m[1];
}

/** What each production layer may import, besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  errors: [],
  model: ['errors'],
  changeset: ['errors', 'model'],
  merge: ['errors', 'model', 'changeset'],
  protocol: ['errors', 'model', 'changeset'],
  query: ['errors', 'model', 'changeset', 'protocol'],
  core: ['errors', 'model', 'changeset', 'merge', 'protocol', 'query'],
  'worker-api': ['errors', 'model', 'changeset', 'merge', 'protocol', 'query'],
  server: ['errors', 'model', 'changeset', 'merge', 'protocol', 'query'],
  worker: ['errors', 'model', 'changeset', 'merge', 'protocol', 'query', 'worker-api'],
  client: ['errors', 'model', 'changeset', 'merge', 'protocol', 'query', 'worker-api', 'worker'],
  react: ['client'],
  vue: ['client'],
};

describe('the import graph (docs/architecture.md)', () => {
  it('reads the repository (a graph of nothing checks nothing)', () => {
    expect(graph.size).toBeGreaterThan(300);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no production file importing tests or test support', () => {
    const wrong = [...graph].flatMap(([f, ts]) => (isProduction(f) ? ts.filter(isTestSupport).map((t) => `${f} -> ${t}`) : []));
    expect(wrong).toEqual([]);
  });

  it('has every production layer import only the layers below it', () => {
    const wrong: string[] = [];
    for (const [f, targets] of graph) {
      const from = layer(f);
      if (!isProduction(f) || from === undefined) continue;
      const allowed = MAY_IMPORT[from];
      expect(allowed, `layer of ${f}`).toBeDefined();
      for (const t of targets) {
        const to = layer(t);
        if (to === from) continue;
        // react and vue see the client only through its public surface.
        if ((from === 'react' || from === 'vue') && t !== 'src/client/index.ts') wrong.push(`${f} -> ${t}`);
        else if (to === undefined || !allowed!.includes(to)) wrong.push(`${f} -> ${t}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
