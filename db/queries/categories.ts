/** Categories (事项): list, upsert (seed / admin), and deadline settings. */
import type { Kysely, Selectable } from 'kysely';
import type { CategoriesTable, DB } from '../types.js';

/** A category as the seed and the admin write it; `active` and the photo rule keep their own settings. */
export type CategoryInput = Omit<
  Selectable<CategoriesTable>,
  'legacy_code' | 'active' | 'after_photo_required' | 'updated_at' | 'attributes'
> & { legacy_code?: string | null };

export function listCategories(db: Kysely<DB>) {
  return db
    .selectFrom('categories')
    .select([
      'code',
      'name',
      'group_code',
      'group_name',
      'department',
      'limit_value',
      'clock',
      'tags',
      'local',
      'legacy_code',
      'active',
      'after_photo_required',
    ])
    .orderBy('group_code')
    .orderBy('code')
    .execute();
}

export function getCategory(db: Kysely<DB>, code: string) {
  return db.selectFrom('categories').selectAll().where('code', '=', code).executeTakeFirst();
}

/** A category by its code or, as users type it, its name (暴露垃圾); the code wins. */
export function findCategory(db: Kysely<DB>, codeOrName: string) {
  const v = codeOrName.trim();
  return db
    .selectFrom('categories')
    .selectAll()
    .where((eb) => eb.or([eb('code', '=', v), eb('name', '=', v)]))
    .orderBy((eb) => eb('code', '=', v), 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Inserts or updates categories by code (one statement). */
export async function upsertCategories(db: Kysely<DB>, rows: readonly CategoryInput[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('categories')
    .values(rows.map((r) => ({ ...r, legacy_code: r.legacy_code ?? null, tags: [...r.tags] })))
    .onConflict((oc) =>
      oc.column('code').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        group_code: eb.ref('excluded.group_code'),
        group_name: eb.ref('excluded.group_name'),
        department: eb.ref('excluded.department'),
        limit_value: eb.ref('excluded.limit_value'),
        clock: eb.ref('excluded.clock'),
        tags: eb.ref('excluded.tags'),
        local: eb.ref('excluded.local'),
        legacy_code: eb.ref('excluded.legacy_code'),
        updated_at: new Date(),
      })),
    )
    .execute();
}

/** Changes a category's deadline; returns the row or null when the code is unknown. */
export function updateCategoryDeadline(
  db: Kysely<DB>,
  code: string,
  patch: {
    limit_value?: number;
    clock?: CategoryInput['clock'];
    department?: string;
    active?: boolean;
    after_photo_required?: boolean;
  },
) {
  return db
    .updateTable('categories')
    .set({ ...patch, updated_at: new Date() })
    .where('code', '=', code)
    .returningAll()
    .executeTakeFirst()
    .then((r) => r ?? null);
}

/** The category code of a problem whose category needs an after-photo to resolve, else null. */
export async function afterPhotoRequired(db: Kysely<DB>, problemId: number): Promise<string | null> {
  const r = await db
    .selectFrom('problems as p')
    .innerJoin('categories as c', 'c.code', 'p.category_code')
    .select('c.code')
    .where('p.id', '=', problemId)
    .where('c.after_photo_required', '=', true)
    .executeTakeFirst();
  return r?.code ?? null;
}
