import { parentPort, workerData } from 'node:worker_threads';
import { runRange } from './fuzz-range.ts';

/*
 * One worker thread of `npm run fuzz -- --workers N`: asks for a chunk of seeds, runs it,
 * reports, asks again, until the main thread answers with no chunk.
 */
const { steps } = workerData as { steps: number | undefined };
const port = parentPort!;
port.on('message', (chunk: { from: number; count: number } | null) => {
  if (chunk === null) {
    port.close();
    return;
  }
  port.postMessage({ chunk, report: runRange(chunk.from, chunk.count, steps, 3) });
});
port.postMessage({ ready: true });
