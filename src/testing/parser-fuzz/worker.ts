import { parentPort, workerData } from 'node:worker_threads';
import { runTarget } from './run.ts';
import { TARGETS, type TargetName } from './targets.ts';

/** One parser target in a worker thread of `npm run fuzz:parsers`, watched by the main thread. */
const { target, count, seed, maxInputMs, position } = workerData as {
  target: TargetName;
  count: number;
  seed: number;
  maxInputMs: number;
  position: SharedArrayBuffer;
};
const report = runTarget(TARGETS[target] as never, {
  count,
  seed,
  maxInputMs,
  position: new Int32Array(position),
  onBatch: (done, crashes) => {
    if (done % 100_000 === 0) parentPort!.postMessage({ progress: done, crashes });
  },
});
parentPort!.postMessage({ report });
