/**
 * Point types and standards (测评标准): the seed, the admin's edits (a new version each time, the
 * old one stays for the inspections made against it), and reads. A department sees the items of
 * its own categories only.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import type { Scope } from './scope.js';
import type { SeedPointType, SeedStandardItem } from '../seed/assessment.js';

export interface PointTypeRow {
  code: string;
  name: string;
  name_en: string;
  sort: number;
  active: boolean;
}

/** Inserts or updates point types by code; `sort` is the position in the list. */
export async function upsertPointTypes(db: Kysely<DB>, types: readonly SeedPointType[]): Promise<void> {
  if (types.length === 0) return;
  await db
    .insertInto('point_types')
    .values(types.map((t, i) => ({ code: t.code, name: t.name, name_en: t.name_en, sort: i })))
    .onConflict((oc) =>
      oc.column('code').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        name_en: eb.ref('excluded.name_en'),
        sort: eb.ref('excluded.sort'),
        updated_at: new Date(),
      })),
    )
    .execute();
}

export function listPointTypes(db: Kysely<DB>): Promise<PointTypeRow[]> {
  return db
    .selectFrom('point_types')
    .select(['code', 'name', 'name_en', 'sort', 'active'])
    .orderBy('sort')
    .orderBy('code')
    .execute();
}

export async function updatePointType(
  db: Kysely<DB>,
  code: string,
  patch: { name?: string; name_en?: string; active?: boolean },
): Promise<PointTypeRow | null> {
  const row = await db
    .updateTable('point_types')
    .set({ ...patch, updated_at: new Date() })
    .where('code', '=', code)
    .returning(['code', 'name', 'name_en', 'sort', 'active'])
    .executeTakeFirst();
  return row ?? null;
}

export interface StandardItemRow {
  id: number;
  code: string;
  text: string;
  category_code: string;
  category_name: string;
  department: string;
  weight: number;
  photo_required: boolean;
}

export interface StandardRow {
  id: number;
  type_code: string;
  type_name: string;
  version: number;
  note: string | null;
  created_at: Date;
  created_by: string;
  current: boolean;
  items: StandardItemRow[];
}

/**
 * Standards with their items: by id, or the current (highest) version of each type (`current`),
 * or every version of one type. With a department scope, only the items of its categories.
 */
export async function listStandards(
  db: Kysely<DB>,
  scope: Scope,
  opts: { id?: number; type?: string; currentOnly?: boolean } = {},
): Promise<StandardRow[]> {
  const { rows } = await sql<Omit<StandardRow, 'items'> & { items: StandardItemRow[] | null }>`
    SELECT s.id, s.type_code, t.name AS type_name, s.version, s.note, s.created_at, s.created_by,
           s.version = (SELECT max(s2.version) FROM standards s2 WHERE s2.type_code = s.type_code) AS current,
           (SELECT json_agg(json_build_object('id', i.id, 'code', i.code, 'text', i.text, 'category_code', i.category_code,
                    'category_name', c.name, 'department', c.department, 'weight', i.weight, 'photo_required', i.photo_required)
                    ORDER BY i.sort, i.id)
              FROM standard_items i JOIN categories c ON c.code = i.category_code
             WHERE i.standard_id = s.id AND (${scope.department}::text IS NULL OR c.department = ${scope.department})) AS items
    FROM standards s JOIN point_types t ON t.code = s.type_code
    WHERE (${opts.id ?? null}::int IS NULL OR s.id = ${opts.id ?? null})
      AND (${opts.type ?? null}::text IS NULL OR s.type_code = ${opts.type ?? null})
      AND (${opts.currentOnly ?? false} = false OR s.version = (SELECT max(s2.version) FROM standards s2 WHERE s2.type_code = s.type_code))
    ORDER BY t.sort, s.type_code, s.version DESC`.execute(db);
  return rows.map((r) => ({ ...r, items: (r.items ?? []).map((i) => ({ ...i, weight: Number(i.weight) })) }));
}

/** The current standard id of a point type, or null when the type has none. */
export async function currentStandardId(db: Kysely<DB>, type: string): Promise<number | null> {
  const r = await db
    .selectFrom('standards')
    .select('id')
    .where('type_code', '=', type)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.id ?? null;
}

export interface NewStandardItem {
  code: string;
  text: string;
  category_code: string;
  weight: number;
  photo_required: boolean;
}

/**
 * Writes the next version of a type's checklist (version 1 when it has none). Items are frozen
 * once written (a trigger refuses changes), so earlier inspections keep the items they were made
 * against. Returns the new standard's id and version.
 */
export async function createStandardVersion(
  trx: Transaction<DB>,
  type: string,
  items: readonly NewStandardItem[],
  note: string | null,
  actor: string,
): Promise<{ id: number; version: number }> {
  // Serialises concurrent edits of one type: the second waits and takes the next number.
  await sql`SELECT 1 FROM point_types WHERE code = ${type} FOR UPDATE`.execute(trx);
  const next = await sql<{
    v: number;
  }>`SELECT coalesce(max(version), 0) + 1 AS v FROM standards WHERE type_code = ${type}`.execute(trx);
  const version = Number(next.rows[0].v);
  const s = await trx
    .insertInto('standards')
    .values({ type_code: type, version, note, created_by: actor })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('standard_items')
    .values(
      items.map((i, sort) => ({
        standard_id: s.id,
        code: i.code,
        text: i.text,
        category_code: i.category_code,
        weight: i.weight,
        photo_required: i.photo_required,
        sort,
      })),
    )
    .execute();
  return { id: s.id, version };
}

/** Seeds version 1 of every type that has no standard yet (a re-run changes nothing). */
export async function seedStandards(
  db: Kysely<DB>,
  standards: Readonly<Record<string, readonly SeedStandardItem[]>>,
): Promise<number> {
  const have = new Set(
    (await db.selectFrom('standards').select('type_code').distinct().execute()).map((r) => r.type_code),
  );
  let n = 0;
  const write = async (trx: Transaction<DB>) => {
    for (const [type, items] of Object.entries(standards)) {
      if (have.has(type)) continue;
      await createStandardVersion(trx, type, items, '初始标准（参考公开资料）', 'seed');
      n++;
    }
  };
  if (db.isTransaction) await write(db as Transaction<DB>);
  else await db.transaction().execute(write);
  return n;
}
