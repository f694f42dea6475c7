import { readFileSync } from 'node:fs';
import type * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../errors.ts';
import { clientMessageSchema, serverMessageSchema } from './index.ts';

/*
 * docs/protocol.md must let someone write a client from it alone: every message has a table of
 * its fields (§4), and this test checks those tables against the message schemas themselves, so
 * the doc cannot drift from the wire. Nested objects give dotted paths, array elements `[]`.
 */

interface DocField {
  readonly path: string;
  readonly optional: boolean;
  readonly nullable: boolean;
}

interface DocMessage {
  readonly t: string;
  readonly direction: 'client → server' | 'server → client';
  /** For a message with several shapes (TRANSACT's answer), the value of the field that tells them apart. */
  readonly variant?: string;
  readonly fields: readonly DocField[];
}

type AnySchema = v.GenericSchema & { type: string; entries?: Record<string, AnySchema>; wrapped?: AnySchema; item?: AnySchema; options?: AnySchema[]; pipe?: AnySchema[]; key?: string; literal?: unknown };

function unwrap(s: AnySchema): { inner: AnySchema; optional: boolean; nullable: boolean } {
  let optional = false;
  let nullable = false;
  let cur = s;
  for (;;) {
    if (cur.type === 'optional') optional = true;
    else if (cur.type === 'nullable') nullable = true;
    else if (cur.pipe && cur.pipe[0] !== cur) {
      cur = cur.pipe[0]!;
      continue;
    } else return { inner: cur, optional, nullable };
    cur = cur.wrapped!;
  }
}

function fieldsOf(entries: Record<string, AnySchema>, prefix: string, out: DocField[]): void {
  for (const [name, schema] of Object.entries(entries)) {
    if (prefix === '' && name === 't') continue;
    const { inner, optional, nullable } = unwrap(schema);
    const path = prefix + name;
    out.push({ path, optional, nullable });
    if (inner.type === 'strict_object' && inner.entries) fieldsOf(inner.entries, path + '.', out);
    if (inner.type === 'array' && inner.item) {
      const item = unwrap(inner.item).inner;
      if (item.type === 'strict_object' && item.entries) fieldsOf(item.entries, path + '[].', out);
      if (item.type === 'variant' && item.options) for (const o of item.options) fieldsOf(o.entries!, path + '[].', out);
    }
  }
}

function messages(union: AnySchema, direction: DocMessage['direction']): DocMessage[] {
  const out: DocMessage[] = [];
  for (const option of union.options!) {
    const shapes = option.type === 'variant' ? option.options! : [option];
    for (const shape of shapes) {
      const fields: DocField[] = [];
      fieldsOf(shape.entries!, '', fields);
      const t = (shape.entries!.t as AnySchema).literal as string;
      const variant = option.type === 'variant' ? String((shape.entries![option.key!] as AnySchema).literal) : undefined;
      out.push({ t, direction, ...(variant !== undefined ? { variant } : {}), fields });
    }
  }
  return out;
}

/** Every message of the protocol with its fields, from the schemas. */
function protocolMessages(): DocMessage[] {
  return [...messages(clientMessageSchema as unknown as AnySchema, 'client → server'), ...messages(serverMessageSchema as unknown as AnySchema, 'server → client')];
}

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

function heading(m: DocMessage): string {
  return `#### ${m.t} (${m.direction}${m.variant !== undefined ? `, status "${m.variant}"` : ''})`;
}

/** The rows of the table under a heading: field path → its cells. */
function documented(m: DocMessage): Map<string, { type: string; range: string; optional: string }> | undefined {
  const lines = doc.split('\n');
  const at = lines.indexOf(heading(m));
  if (at < 0) return undefined;
  const rows = new Map<string, { type: string; range: string; optional: string }>();
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith('#') || line.startsWith('**')) break;
    const cells = /^\|\s*`([^`]+)`\s*\|(.*)\|(.*)\|\s*(yes|no)\s*\|$/.exec(line);
    if (cells) rows.set(cells[1]!, { type: cells[2]!.trim(), range: cells[3]!.trim(), optional: cells[4]! });
  }
  return rows;
}

describe('docs/protocol.md and the message schemas', () => {
  const all = protocolMessages();

  it('covers all 24 message shapes (20 message types) of the protocol', () => {
    expect(all.length).toBe(24);
    expect(new Set(all.map((m) => m.t)).size).toBe(20);
  });

  it.each(all.map((m) => [heading(m).slice(5), m] as const))('%s: every field, none more, with whether it is optional', (_name, m) => {
    const rows = documented(m);
    expect(rows, `no section "${heading(m)}" in docs/protocol.md`).toBeDefined();
    expect([...rows!.keys()]).toEqual(m.fields.map((f) => f.path));
    for (const f of m.fields) {
      const row = rows!.get(f.path)!;
      expect(row.optional, `${m.t}.${f.path} optional`).toBe(f.optional ? 'yes' : 'no');
      expect(row.type.includes('null'), `${m.t}.${f.path} nullable`).toBe(f.nullable);
      expect(row.type.trim().length, `${m.t}.${f.path} has a type`).toBeGreaterThan(0);
    }
    if (m.fields.length === 0) expect(doc).toContain(`${heading(m)}\n\nNo fields besides \`t\`.`);
  });

  it('lists every error code in §9', () => {
    const errors = doc.slice(doc.indexOf('## 9. Errors'), doc.indexOf('## 10. Limits'));
    for (const code of ERROR_CODES) expect(errors, code).toContain(`\`${code}\``);
  });
});
