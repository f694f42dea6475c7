import { encodeMessage, type ServerMessage } from '../../protocol/index.ts';
import { encodeChangeset } from '../../changeset/index.ts';
import type { Download } from '../../protocol/index.ts';
import type { Item } from './downloads.ts';

/*
 * DOWNLOAD frames are the hot path of fan-out: one upload reaches every session that sees it.
 * A changeset that went through unfiltered reuses the JSON the history cache made once, instead
 * of being encoded again per session.
 */

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
