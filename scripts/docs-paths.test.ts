import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * docs/architecture.md is the map of the code: every file or folder it names must exist, so that
 * moving a file without updating the map fails here.
 */

const ROOT = resolve(import.meta.dirname, '..');
const TOP = /^(src|docs|bin|bench|e2e|scripts|demo|examples|test-pages)\//;

function namedPaths(markdown: string): string[] {
  const paths = new Set<string>();
  for (const m of markdown.matchAll(/`([^`\s]+)`/g)) {
    const p = m[1]!;
    // Globs and placeholders (`*.fault.test.ts`, `store.<name>.test.ts`) name kinds of files, not files.
    if (TOP.test(p) && !/[*<>]/.test(p)) paths.add(p);
  }
  return [...paths];
}

describe('docs/architecture.md', () => {
  const paths = namedPaths(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));

  it('names files (a map that names nothing checks nothing)', () => {
    expect(paths.length).toBeGreaterThan(40);
  });

  it('names only paths that exist', () => {
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });
});
