import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { curveTable, measuresTable, type Measure, type SuiteResult } from './lib/report.ts';

/*
 * Folds one suite's partial run (`--json` of e.g. `bench:client --parts peers`) into
 * bench/results: its measures replace those with the same id in latest.json (new ones are added
 * after them), and so do its curves (each curve's block in latest.md is rewritten too); every
 * other measure, curve and suite is kept, and the suite's table in latest.md is rewritten from
 * the merged measures, with a note of what came from which run.
 * Run: npx tsx bench/merge-results.ts <suite.json>
 */

const file = process.argv[2];
if (!file) throw new Error('usage: merge-results.ts <suite.json>');
const part = JSON.parse(readFileSync(file, 'utf8')) as SuiteResult;
const dir = resolve(import.meta.dirname, 'results');
const report = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { suites: SuiteResult[] };
const suite = report.suites.find((s) => s.suite === part.suite);
if (!suite) throw new Error(`${part.suite} is not in latest.json`);

const fresh = new Map(part.measures.map((m) => [m.id, m]));
const measures: Measure[] = suite.measures.map((m) => fresh.get(m.id) ?? m);
for (const m of part.measures) if (!suite.measures.some((x) => x.id === m.id)) measures.push(m);
const groups = [...new Set(part.measures.map((m) => m.id.split('.').slice(0, 2).join('.') + '.*'))];
const note = `measures ${groups.join(', ')} from a partial run started ${part.startedAt} (${(part.durationMs / 1000).toFixed(0)} s, ${part.measures[0]?.runs.length ?? 0} runs each); the others from the run above.`;
const freshCurves = new Map(part.curves.map((c) => [c.id, c]));
const curves = suite.curves.map((c) => freshCurves.get(c.id) ?? c);
for (const c of part.curves) if (!suite.curves.some((x) => x.id === c.id)) curves.push(c);
const merged: SuiteResult = { ...suite, measures, curves, notes: [...suite.notes.filter((n) => !n.startsWith('measures ')), note] };
report.suites = report.suites.map((s) => (s === suite ? merged : s));
writeFileSync(join(dir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');

// latest.md: the suite's measure table (its first table) and its notes.
const mdPath = join(dir, 'latest.md');
const md = readFileSync(mdPath, 'utf8').split('\n');
const start = md.indexOf(`## ${part.suite}`);
if (start < 0) throw new Error(`${part.suite} is not in latest.md`);
const next = md.findIndex((l, i) => i > start && l.startsWith('## '));
const end = next < 0 ? md.length : next;
const section = md.slice(start, end);
const t0 = section.findIndex((l) => l.startsWith('| measure |'));
let t1 = t0;
while (t1 < section.length && section[t1]!.startsWith('|')) t1++;
let body = [...section.slice(0, t0), ...measuresTable(measures).split('\n'), ...section.slice(t1)].filter((l) => !l.startsWith('Note: measures '));
// A curve's block: from its bold label line to its fit line ("log-log exponent ...").
for (const c of part.curves) {
  const old = suite.curves.find((x) => x.id === c.id);
  const from = old ? body.findIndex((l) => l.startsWith(`**${old.label}**`)) : -1;
  const to = from < 0 ? -1 : body.findIndex((l, i) => i > from && l.startsWith('log-log exponent'));
  if (from >= 0 && to >= 0) body = [...body.slice(0, from), ...curveTable(c).split('\n'), ...body.slice(to + 1)];
}
while (body.length && body[body.length - 1] === '') body.pop();
body.push('', `Note: ${note}`, '');
md.splice(start, end - start, ...body);
writeFileSync(mdPath, md.join('\n'));
console.log(`merged ${part.measures.length} measures of ${part.suite} into ${dir}`);
