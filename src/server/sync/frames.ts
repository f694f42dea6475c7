import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { encodeMessage, LIMITS, type ServerMessage } from '../../protocol/index.ts';
import { encodeChangeset } from '../../changeset/index.ts';
import type { Download } from '../../protocol/index.ts';
import type { Item } from './downloads.ts';

/*
 * DOWNLOAD frames are the hot path of fan-out: one upload reaches every session that sees it.
 *
 * - A changeset that went through unfiltered reuses the JSON the history cache made once.
 * - A whole DOWNLOAD made only of such changesets is the same bytes for every session at the
 *   same cursor: it is encoded (and compressed) once and the frame is sent to all of them
 *   (`SharedFrames`). A session whose download was cut (its view or its role hides an object or
 *   a field) or that stands elsewhere gets a frame of its own.
 * - Compression (protocol 2) is one raw DEFLATE of the message, sent as a binary frame: no
 *   compression context lives per socket (permessage-deflate kept one per connection, ~200 KiB
 *   each, once a socket had sent one compressed frame).
 */

/** What goes on the wire: JSON text, or (over the threshold) its raw DEFLATE as a binary frame. */
export type Frame = string | Buffer;

function itemJson(item: Item): string {
  const cs = item.json ?? JSON.stringify(encodeChangeset(item.changeset));
  return `{"kind":"changeset","serverVersion":${item.serverVersion},"clientVersion":${item.clientVersion},"changeset":${cs}}`;
}

export function encodeDownload(d: Download): string {
  const head = JSON.stringify({ ...d, items: [] });
  const items = (d.items as Item[]).map(itemJson).join(',');
  // `head` ends with `"items":[],...}`: splice the items into the empty array.
  // A replacer function: a replacement string would interpret `$'` and friends in user data.
  return head.replace('"items":[]', () => `"items":[${items}]`);
}

export function encodeServerMessage(m: ServerMessage): string {
  return m.t === 'DOWNLOAD' ? encodeDownload(m) : encodeMessage(m);
}

/** The frame for a message's JSON: the text itself when small, else one raw DEFLATE of it. */
export function compressFrame(text: string, threshold: number = LIMITS.compressThresholdBytes): Frame {
  if (text.length < threshold) return text;
  // One-shot: the zlib stream lives for this call only (memLevel 7: as ws used to).
  return deflateRawSync(text, { level: 5, memLevel: 7, strategy: constants.Z_DEFAULT_STRATEGY });
}

/** A received server frame as JSON text (clients and tests on Node; the worker has its own). */
export function decodeServerFrame(data: Buffer | string, isBinary: boolean): string {
  if (typeof data === 'string') return data;
  return isBinary ? inflateRawSync(data, { maxOutputLength: 2 * LIMITS.maxFrameBytes }).toString('utf8') : data.toString('utf8');
}

/**
 * The key under which a DOWNLOAD's bytes can be shared: every field of it, with items named by
 * version (an unfiltered item is its history row's JSON, the same for every session). Undefined
 * when some item was cut for its session: those bytes are that session's own.
 */
export function sharedKey(d: Download): string | undefined {
  let items = '';
  for (const i of d.items as Item[]) {
    if (i.json === undefined) return undefined;
    items += `${i.serverVersion}.${i.clientVersion},`;
  }
  const p = d.progress ? `${d.progress.downloaded}.${d.progress.downloadable}` : '';
  return `${d.queryVersion}|${d.cursor.serverVersion}.${d.cursor.clientVersion}|${d.versionSalt}|${d.latestServerVersion}|${d.batch}|${p}|${items}`;
}

/**
 * DOWNLOAD frames shared by the sessions that need the same bytes, for a short while: the
 * sessions one append wakes plan and send within milliseconds of each other. A shared frame
 * carries the `serverTime` of its first encoding; reuse is bounded by `maxAgeMs`, so that it
 * stays within a second of the truth (the client only uses it as a coarse clock).
 */
export class SharedFrames {
  private readonly frames = new Map<string, { frame: Frame; at: number }>();
  /** Bytes (characters of text frames) held. */
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxEntries = 256,
    private readonly maxAgeMs = 1000,
    private readonly maxBytes = 16 * 1024 * 1024,
    private readonly now: () => number = Date.now,
  ) {}

  /** The frame of a DOWNLOAD: shared when another session at the same place needed the same bytes. */
  download(d: Download): Frame {
    const key = sharedKey(d);
    if (key === undefined) return compressFrame(encodeDownload(d));
    const now = this.now();
    const hit = this.frames.get(key);
    if (hit && now - hit.at <= this.maxAgeMs) {
      this.hits++;
      return hit.frame;
    }
    this.misses++;
    const frame = compressFrame(encodeDownload({ ...d, serverTime: now }));
    if (hit) this.forget(key, hit.frame);
    this.frames.set(key, { frame, at: now });
    this.bytes += frame.length;
    // Oldest first (insertion order): the frames of the latest appends are the ones reused.
    for (const [k, e] of this.frames) {
      if (this.frames.size <= 1 || (this.frames.size <= this.maxEntries && this.bytes <= this.maxBytes && now - e.at <= this.maxAgeMs)) break;
      this.forget(k, e.frame);
    }
    return frame;
  }

  private forget(key: string, frame: Frame): void {
    this.frames.delete(key);
    this.bytes -= frame.length;
  }

  /** The frame of any server message. */
  frame(m: ServerMessage): Frame {
    return m.t === 'DOWNLOAD' ? this.download(m) : compressFrame(encodeMessage(m));
  }
}
