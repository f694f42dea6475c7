import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgedNow, checkWrites, converge, report, waitFor, Writer } from '../testing/faults.ts';
import { baseConfig, everything, schema, startServerProcess, user, type ServerProcess } from '../testing/server-process.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * Fault: the disk under the embedded store fills up (a real full filesystem: a small tmpfs
 * mounted for the test, filled with a ballast file). Writes must be refused with the typed
 * `storage_full`, nothing acknowledged may be lost, the client reconnects cleanly, and its
 * queued writes go through once space returns (the ballast is deleted).
 *
 * Mounting needs root (the CI runs as root); a machine where it fails fails this test loudly.
 */

const SIZE_MB = 24;

let mnt: string;
let server: ServerProcess;
let mounted = false;

beforeAll(async () => {
  mnt = mkdtempSync(join(tmpdir(), 'outpost-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m`, 'tmpfs', mnt], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    throw new Error(`the disk-full test mounts a ${SIZE_MB} MiB tmpfs and needs root for it: ${(err as Error).message}`);
  }
  mkdirSync(join(mnt, 'data'));
  server = await startServerProcess(baseConfig(join(mnt, 'data')));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (mounted) execFileSync('umount', ['-l', mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

/** Fills the filesystem: writes a ballast file until the kernel says ENOSPC; returns its size. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    for (const chunk of [1 << 20, 1 << 14, 1 << 9]) {
      const block = Buffer.alloc(chunk, 0x5a);
      for (;;) {
        try {
          bytes += writeSync(fd, block);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

describe('fault: disk full under the embedded store', () => {
  it('refuses writes with storage_full, loses nothing acknowledged, and takes writes again when space returns', async () => {
    const writer = await Writer.open('full-a', server.url, server.wsUrl);
    // A reader that has its client file already (a new one could not be created on a full disk).
    const reader = new ProtocolClient({ schema, url: server.wsUrl, token: (await user(server.url, 'full-reader@faults.example')).accessToken });
    await reader.connect();
    await reader.subscribe(everything);
    for (let i = 0; i < 20; i++) writer.writeOne();
    await writer.drain(30_000);
    const ballast = join(mnt, 'ballast');
    const ballastBytes = fill(ballast);

    // Writes with some weight, so the WAL must grow: the server refuses them with the typed error.
    const before = writer.errors().length;
    writer.payloadBytes = 8_000;
    writer.start(20, 2, 400);
    await waitFor('a storage_full error', () => writer.errors().slice(before).some((e) => e.code === 'storage_full'), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(writer.describe())}\n${server.output().slice(-2000)}`);
    });
    const refused = writer.errors().find((e) => e.code === 'storage_full')!;
    expect(refused.action).toBe('retry');
    expect(refused.tryAgain).toBe(true);
    const acked = acknowledgedNow([writer]);
    writer.stopWriting();
    // The server stays up and reads still work on the full disk.
    await new Promise((r) => setTimeout(r, 500));
    expect(server.child.exitCode).toBeNull();
    await reader.until(() => reader.connected, 1).catch(() => reader.connect());
    const duringFull = checkWrites(reader.state, [writer], acked, false);
    expect(duringFull.lost).toBe(0);

    // Space returns: the queued writes go up, exactly once.
    unlinkSync(ballast);
    const tookMs = await converge([writer], server.wsUrl, (await user(server.url, 'full-reader@faults.example')).accessToken, 30_000);
    await reader.sync();
    const result = checkWrites(reader.state, [writer], acknowledgedNow([writer]), true);
    report('disk full', {
      filesystem: `tmpfs ${SIZE_MB} MiB`,
      ballastBytes,
      acknowledgedBeforeFull: acked.get(writer),
      written: writer.written,
      refusals: writer.errors().filter((e) => e.code === 'storage_full').length,
      recoveredMs: tookMs,
      ...result,
    });
    expect(result).toEqual({ lost: 0, duplicated: 0, torn: 0 });
    expect(server.output()).toContain('the storage is full');
    writer.close();
    reader.disconnect();
  }, 120_000);
});
