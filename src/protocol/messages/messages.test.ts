import { describe, expect, it } from 'vitest';
import { ObjectId } from '../../model/values.ts';
import { encodeMessage, parseClientMessage, parseServerMessage, type ClientMessage, type ServerMessage } from './index.ts';

describe('protocol messages', () => {
  const oid = new ObjectId('64b000000000000000000001');
  const client: ClientMessage[] = [
    { t: 'BIND', protocolVersion: 1, fileIdent: null, salt: null },
    { t: 'IDENT', fileIdent: 5, salt: 'abc', cursor: { serverVersion: 3, clientVersion: 2 }, versionSalt: '00ff00ff00ff00ff', subscriptions: { version: 1, queries: [{ name: 'mine', objectType: 'Task', query: 'owner == $0', args: [oid] }] } },
    { t: 'QUERY', version: 2, queries: [{ objectType: 'Task', query: 'TRUEPREDICATE', args: [] }] },
    { t: 'UPLOAD', changesets: [{ clientVersion: 1, base: 0, changeset: { origin: 5, timestamp: 10, instructions: [{ op: 'CreateObject', type: 'Task', pk: oid }] } }] },
    { t: 'TRANSACT', requestId: 3, base: 9, reads: [{ type: 'Task', pk: oid }], changeset: { origin: 5, timestamp: 12, instructions: [{ op: 'AddInteger', type: 'Task', pk: oid, path: ['stock'], value: -1 }] } },
    { t: 'STATE_REQUEST', queryVersion: 2, queries: [{ objectType: 'Task', query: 'owner == $0', args: [oid] }] },
    { t: 'CLIENT_VERSION_REQUEST', fileIdent: 4, salt: 'old' },
    { t: 'MARK', requestId: 7 },
    { t: 'REFRESH', token: 'x.y.z' },
    { t: 'UNBIND' },
    { t: 'PING', timestamp: 1, rtt: 20 },
  ];
  const server: ServerMessage[] = [
    { t: 'IDENT', fileIdent: 5, salt: 'abc' },
    {
      t: 'DOWNLOAD',
      queryVersion: 1,
      cursor: { serverVersion: 9, clientVersion: 2 },
      versionSalt: '0123456789abcdef',
      latestServerVersion: 9,
      batch: 'last',
      serverTime: 123,
      items: [
        { kind: 'changeset', serverVersion: 9, clientVersion: 2, changeset: { origin: 6, timestamp: 11, instructions: [{ op: 'EraseObject', type: 'Task', pk: oid }] } },
      ],
    },
    { t: 'MARK', requestId: 7, serverVersion: 9 },
    { t: 'TRANSACT', requestId: 3, status: 'applied', serverVersion: 10 },
    { t: 'TRANSACT', requestId: 4, status: 'rejected', code: 'transaction_conflict', reason: 'Task changed at 10' },
    { t: 'STATE', queryVersion: 2, serverVersion: 9, versionSalt: '0123456789abcdef', segment: 0, last: true, objects: [{ type: 'Task', record: { _id: oid, title: 'a', tags: ['x'] } }] },
    { t: 'CLIENT_VERSION', fileIdent: 4, known: true, clientVersion: 17 },
    { t: 'QUERY_ERROR', version: 2, code: 'bad_query', message: 'nope', index: 0 },
    { t: 'ERROR', code: 'compensating_write', message: 'rejected', action: 'none', tryAgain: false, compensatingWrites: [{ type: 'Task', pk: oid, reason: 'no' }] },
    { t: 'UNBOUND' },
    { t: 'PONG', timestamp: 1, serverTime: 2 },
  ];

  it('round-trips every message', () => {
    for (const m of client) expect(parseClientMessage(encodeMessage(m))).toEqual(m);
    for (const m of server) expect(parseServerMessage(encodeMessage(m))).toEqual(m);
  });

  it('rejects malformed frames with typed errors', () => {
    const cases: [string, string][] = [
      ['not json', 'bad_message'],
      ['[1,2]', 'bad_message'],
      ['{"x":1}', 'bad_message'],
      ['{"t":"HELLO"}', 'unknown_message'],
      ['{"t":"MARK","requestId":"7"}', 'bad_message'],
      ['{"t":"MARK","requestId":-1}', 'bad_message'],
      ['{"t":"MARK","requestId":1,"__proto__":{"admin":true}}', 'bad_message'],
      ['{"t":"UPLOAD","changesets":[{"clientVersion":1,"base":0,"changeset":{"origin":1,"ts":1,"ops":[{"op":"Nope","type":"T"}]}}]}', 'bad_message'],
      ['{"t":"BIND","protocolVersion":1,"fileIdent":0,"salt":null}', 'bad_message'],
      ['{"t":"TRANSACT","requestId":1,"base":0,"reads":[{"type":"T","pk":[1]}],"changeset":{"origin":1,"ts":1,"ops":[]}}', 'bad_message'],
      ['{"t":"STATE_REQUEST","queryVersion":1}', 'bad_message'],
      ['{"t":"CLIENT_VERSION_REQUEST","fileIdent":0,"salt":"x"}', 'bad_message'],
    ];
    for (const [text, code] of cases) expect(() => parseClientMessage(text), text).toThrow(expect.objectContaining({ code }));
    expect(() => parseServerMessage('{"t":"BIND"}')).toThrow(expect.objectContaining({ code: 'unknown_message' }));
  });
});
