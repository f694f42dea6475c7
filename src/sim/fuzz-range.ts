import { runScenario } from './fuzz.ts';

/** What running a contiguous range of seeds found; failures carry their first problems. */
export interface RangeReport {
  readonly seeds: number;
  readonly converged: number;
  readonly changesets: number;
  readonly failures: { seed: number; clients: number; steps: number; problems: string[] }[];
}

export function runRange(from: number, count: number, steps: number | undefined, problemsPerFailure: number): RangeReport {
  let converged = 0;
  let changesets = 0;
  const failures: RangeReport['failures'] = [];
  for (let seed = from; seed < from + count; seed++) {
    const r = runScenario(seed, steps === undefined ? {} : { steps });
    changesets += r.stats.changesets;
    if (r.ok) converged++;
    else failures.push({ seed, clients: r.stats.clients, steps: r.stats.steps, problems: r.problems.slice(0, problemsPerFailure) });
  }
  return { seeds: count, converged, changesets, failures };
}
