import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { importApp } from './import-app.ts';

/*
 * import-app on each fixture export (written from the App Services documentation of the
 * `appservices pull` layout) against the configuration and report expected for it. The
 * expected files were checked by hand against the export; a change to either is a change in
 * what a migrating user gets.
 */

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'fixtures');

describe.each(['todo-template', 'field-service', 'partition-notes'])('import-app on the %s export', (name) => {
  const result = importApp(join(fixtures, name, 'export'));

  it('writes the expected configuration', () => {
    const expected = JSON.parse(readFileSync(join(fixtures, name, 'expected.config.json'), 'utf8'));
    expect(result.config).toEqual(expected);
  });

  it('reports what it could not carry over', () => {
    expect(result.notes.format()).toBe(readFileSync(join(fixtures, name, 'expected.report.txt'), 'utf8'));
  });

  it('writes a configuration the server loads', () => {
    expect(() => parseConfig({ ...result.config, auth: { ...(result.config.auth as object), tokens: { secret: 's'.repeat(32) } } })).not.toThrow();
  });
});

describe('import-app details', () => {
  const fs = importApp(join(fixtures, 'field-service', 'export'));
  const workOrder = (fs.config.schema as { name: string; properties: Record<string, string> }[]).find((t) => t.name === 'WorkOrder')!;

  it('maps bsonTypes, required, embedded objects, arrays, sets, dictionaries and relationships', () => {
    expect(workOrder.properties).toMatchObject({
      _id: 'objectId',
      title: 'string',
      teamId: 'string?',
      priority: 'int?',
      price: 'decimal?',
      photo: 'data?',
      tags: 'string<>',
      readings: 'double?[]',
      counts: 'int{}',
      site: 'Address?',
      steps: 'WorkOrder_steps[]',
      assignee: 'Technician?',
      helpers: 'Technician[]',
    });
    expect(workOrder.properties).not.toHaveProperty('legacyRev');
  });

  it('turns the todo template into an owner-writes role', () => {
    const todo = importApp(join(fixtures, 'todo-template', 'export'));
    expect(todo.config.roles).toEqual({ byType: { Item: [{ name: 'readAll', applyWhen: true, read: true, write: 'owner_id == %%user.id' }] }, default: [] });
    expect(todo.config.queryableFields).toEqual({ global: ['owner_id'], byType: {} });
    expect(todo.config.auth).toEqual({ providers: { anonymous: true, email: true, apiKey: false } });
  });

  it('gives a type the default roles as its own when they name fields it lacks', () => {
    // The partition-notes export with flexible sync instead, so its default roles are what apply.
    const dir = mkdtempSync(join(tmpdir(), 'outpost-flex-notes-'));
    cpSync(join(fixtures, 'partition-notes', 'export'), dir, { recursive: true });
    writeFileSync(join(dir, 'sync', 'config.json'), JSON.stringify({ type: 'flexible', state: 'enabled', queryable_fields_names: [] }));
    const pn = importApp(dir);
    const roles = pn.config.roles as { byType: Record<string, { read: unknown }[]>; default: { read: unknown }[] };
    expect(roles.byType.Note![0]!.read).toBe('_partition == %%user.id');
    expect(roles.byType.Notebook).toBeUndefined();
    expect(roles.default[0]!.read).toBe('(_partition == %%user.id) OR (sharedWith == %%user.email)');
    expect(pn.config.partition).toBeUndefined();
  });

  it('turns partition-based sync into the partition setting, %%partition into the key field', () => {
    const pn = importApp(join(fixtures, 'partition-notes', 'export'));
    expect(pn.config.partition).toEqual({
      key: '_partition',
      read: '(_partition == %%user.id) OR (%%user.custom_data.sharedPartitions == _partition)',
      write: '_partition == %%user.id',
    });
    // The partition permissions are every partitioned type's rules once the server loads it.
    const loaded = parseConfig({ ...pn.config, auth: { ...(pn.config.auth as object), tokens: { secret: 's'.repeat(32) } } });
    expect(loaded.partition).toMatchObject({ key: '_partition', type: 'string', types: ['Note', 'Notebook'] });
    expect(loaded.roles.byType.Note).toEqual([
      { name: 'partition', applyWhen: true, read: '((_partition == %%user.id) OR (%%user.custom_data.sharedPartitions == _partition)) OR (_partition == %%user.id)', write: '_partition == %%user.id' },
    ]);
    expect(loaded.queryableFields.global).toContain('_partition');
  });

  it('denies a partition permission it cannot translate, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-fn-notes-'));
    cpSync(join(fixtures, 'partition-notes', 'export'), dir, { recursive: true });
    const sync = { type: 'partition', partition: { key: '_partition', type: 'string', permissions: { read: { '%%true': { '%function': { name: 'canRead', arguments: ['%%partition'] } } }, write: false } } };
    writeFileSync(join(dir, 'sync', 'config.json'), JSON.stringify(sync));
    const r = importApp(dir);
    expect(r.config.partition).toEqual({ key: '_partition', read: false, write: false });
    expect(r.notes.format()).toContain('partition read permission');
  });

  it('refuses a directory that is not an export', () => {
    expect(() => importApp(join(fixtures, 'field-service'))).toThrow(/root_config\.json/);
  });
});
