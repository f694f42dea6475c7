import type { ObjectSchemaInput } from '../../model/index.ts';
import type { RoleConfig } from '../config/load.ts';
import { andRules, orRules, readsDocument, translateExpression, Untranslatable, type Translated } from './expression.ts';
import type { Notes } from './notes.ts';

/*
 * App Services roles (rules.json, default_rule.json) to Outpost roles. An Outpost role has one
 * `read` and one `write` rule and field rules; App Services adds document filters, separate
 * insert/delete permissions, and field-level grants. The translation never grants what App
 * Services refused: where the two cannot be matched the result is stricter, and the report says so.
 *
 *   read  = document_filters.read  AND (read OR write, or the fields' grants)
 *   write = document_filters.write AND write
 *
 * (Outpost also lets a user read what its write rule allows, as App Services does.) Document-level
 * `read`/`write: true` grant every field, as in App Services; when they are false, `fields` and
 * `additional_fields` grant single fields, which Outpost expresses by hiding (`read: false`) or
 * locking (`write: false`) the others.
 */

type Json = Record<string, unknown>;

export interface RoleContext {
  readonly notes: Notes;
  readonly file: string;
  /** The type the roles are for (undefined for default roles, which apply to many types). */
  readonly type: ObjectSchemaInput | undefined;
}

function isCollection(type: ObjectSchemaInput | undefined): (field: string) => boolean {
  return (field) => {
    const p = type?.properties[field];
    if (p === undefined) return false;
    const text = typeof p === 'string' ? p : p.type;
    return /(\[\]|<>|\{\})$/.test(text) || ['list', 'set', 'dictionary'].includes(text);
  };
}

function grant(value: unknown): boolean {
  return value === true;
}

export function translateRoles(roles: readonly unknown[], ctx: RoleContext): RoleConfig[] {
  const out: RoleConfig[] = [];
  const exprCtx = { isCollection: isCollection(ctx.type), ...(ctx.type ? { hasField: (f: string) => f in ctx.type!.properties } : {}) };
  roles.forEach((raw, i) => {
    const role = (raw ?? {}) as Json;
    const name = typeof role.name === 'string' && role.name !== '' ? role.name : `role${i}`;
    const where = `role "${name}"${ctx.type ? ` (${ctx.type.name})` : ''}`;
    // A rule that cannot be translated denies: never more than App Services allowed.
    const tr = (what: string, expr: unknown): Translated => {
      try {
        return translateExpression(expr, exprCtx);
      } catch (err) {
        if (!(err instanceof Untranslatable)) throw err;
        ctx.notes.dropped(ctx.file, `${where}: ${what} ${err.message}; it denies instead`);
        return false;
      }
    };
    // apply_when: per session in Outpost. One that reads the document becomes part of the rules.
    let applyWhen: Translated = true;
    let docCondition: Translated = true;
    const aw = role.apply_when ?? {};
    if (readsDocument(aw)) {
      docCondition = tr('apply_when', aw);
      applyWhen = true;
      ctx.notes.changed(
        ctx.file,
        `${where}: apply_when reads the document; Outpost chooses a role once per session, so the role always applies and its apply_when was added to its read and write rules (roles after it are not reached)`,
      );
    } else {
      try {
        applyWhen = translateExpression(aw, exprCtx);
      } catch (err) {
        if (!(err instanceof Untranslatable)) throw err;
        ctx.notes.dropped(ctx.file, `${where}: apply_when ${err.message}; the role is left out`);
        return;
      }
    }
    const filters = (role.document_filters ?? {}) as Json;
    const docRead = 'read' in filters ? tr('document_filters.read', filters.read) : true;
    const docWrite = 'write' in filters ? tr('document_filters.write', filters.write) : true;
    const read = tr('read', role.read ?? false);
    const write = tr('write', role.write ?? false);

    const fields = (role.fields ?? {}) as Record<string, Json>;
    const extra = (role.additional_fields ?? {}) as Json;
    const props = ctx.type ? Object.keys(ctx.type.properties).filter((p) => p !== ctx.type!.primaryKey) : [];
    const canRead = (f: string) => (f in fields ? grant(fields[f]!.read) || grant(fields[f]!.write) : grant(extra.read) || grant(extra.write));
    const canWrite = (f: string) => (f in fields ? grant(fields[f]!.write) : grant(extra.write));
    const anyFieldRead = Object.keys(fields).some(canRead) || grant(extra.read) || grant(extra.write);
    const anyFieldWrite = Object.keys(fields).some(canWrite) || grant(extra.write);
    const fieldRules: Record<string, { read?: boolean; write?: boolean }> = {};

    let readGate = orRules(read, write);
    if (readGate === false && anyFieldRead) {
      if (!ctx.type) {
        ctx.notes.dropped(ctx.file, `${where}: field-level read grants in a default role cannot be expressed without a type; the role reads nothing`);
      } else {
        readGate = true;
        for (const f of props) if (!canRead(f)) fieldRules[f] = { read: false };
      }
    } else if (typeof readGate === 'string' && anyFieldRead) {
      ctx.notes.changed(ctx.file, `${where}: field-level read grants outside its read expression are not carried over (stricter)`);
    }
    let writeGate = write;
    if (writeGate === false && anyFieldWrite) {
      if (!ctx.type) {
        ctx.notes.dropped(ctx.file, `${where}: field-level write grants in a default role cannot be expressed without a type; the role writes nothing`);
      } else {
        writeGate = true;
        for (const f of props) if (!canWrite(f)) fieldRules[f] = { ...fieldRules[f], write: false };
      }
    } else if (typeof writeGate === 'string' && anyFieldWrite) {
      ctx.notes.changed(ctx.file, `${where}: field-level write grants outside its write expression are not carried over (stricter)`);
    }
    // Outpost's write rule covers creating and deleting too: a role that may update but not
    // insert or delete cannot be expressed, and is made read-only rather than granted more.
    for (const op of ['insert', 'delete'] as const) {
      if (writeGate !== false && op in role && role[op] !== true) {
        ctx.notes.changed(ctx.file, `${where}: ${op}: ${JSON.stringify(role[op])} while writes are allowed; Outpost's write rule also covers inserts and deletes, so the role was made read-only (grant writes by hand if updates alone were meant)`);
        writeGate = false;
      }
    }
    if (role.search === true) ctx.notes.dropped(ctx.file, `${where}: search (Atlas Search) has no Outpost equivalent`);
    const readRule = andRules(docCondition, docRead, readGate);
    const writeRule = andRules(docCondition, docWrite, writeGate);
    out.push({
      name,
      applyWhen,
      read: readRule,
      write: writeRule,
      ...(Object.keys(fieldRules).length > 0 ? { fields: fieldRules } : {}),
    });
  });
  return out;
}
