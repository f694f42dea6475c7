import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/*
 * A real Outpost server process (this repository's bin/outpost-server.js) on an example's own
 * outpost.config.json, run in the example's directory (its data and, for the web examples, its
 * built dist/ as static files), on a free port on 127.0.0.1.
 */

const BIN = resolve(import.meta.dirname, '../../bin/outpost-server.js');

export class ExampleServer {
  log = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(dir: string): Promise<ExampleServer> {
    const child = spawn(process.execPath, [BIN, '--config', 'outpost.config.json', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, OUTPOST_HOST: '127.0.0.1', OUTPOST_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const url = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`the server did not start in 60 s:\n${log}`)), 60_000);
      child.stdout!.on('data', () => {
        const m = /"url":"(http:\/\/[^"]+)"/.exec(log);
        if (m) (clearTimeout(timer), done(m[1]!));
      });
      child.on('exit', (code) => (clearTimeout(timer), fail(new Error(`the server exited (${code}):\n${log}`))));
    });
    const server = new ExampleServer(child, url);
    child.stdout!.on('data', (d: Buffer) => (server.log += d.toString()));
    server.log = log;
    return server;
  }

  stop(): Promise<void> {
    return new Promise((done) => {
      if (this.child.exitCode !== null) return done();
      this.child.once('exit', () => done());
      this.child.kill('SIGTERM');
    });
  }
}

export function examplesDir(): string {
  const dir = process.env.OUTPOST_EXAMPLES_DIR;
  if (!dir) throw new Error('OUTPOST_EXAMPLES_DIR is not set: run scripts/examples-test.ts, which packs, installs and builds the examples');
  return dir;
}
