/**
 * The admin's calendar overrides and the working calendar built from them. Deadlines already
 * set are not recomputed when an override changes: a deadline is fixed when a problem is filed.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../types.js';
import { createCalendar, type Calendar, type DayOverride } from '../../domain/calendar.js';

/** Every override ('YYYY-MM-DD' dates), oldest first. The table holds a few rows per year. */
export async function listOverrides(db: Kysely<DB>): Promise<DayOverride[]> {
  const rows = await db
    .selectFrom('calendar_overrides')
    .select(['kind', 'note'])
    // to_char, not the date itself: a `date` read into JS becomes a local-midnight Date, which
    // depends on the process time zone.
    .select((eb) => eb.fn<string>('to_char', [eb.ref('date'), eb.val('YYYY-MM-DD')]).as('day'))
    .orderBy('date')
    .execute();
  return rows.map((r) => ({ date: r.day, kind: r.kind, ...(r.note ? { note: r.note } : {}) }));
}

/**
 * The working calendar: the official schedule (chinese-days) with the admin's overrides on top.
 * Works inside a transaction too (pass the `Transaction`).
 */
export async function loadCalendar(db: Kysely<DB>): Promise<Calendar> {
  return createCalendar(await listOverrides(db));
}

/** Sets (or replaces) the override for one date. */
export async function upsertOverride(
  db: Kysely<DB>,
  date: string,
  kind: DayOverride['kind'],
  note: string | null,
): Promise<void> {
  await db
    .insertInto('calendar_overrides')
    .values({ date, kind, note })
    .onConflict((oc) => oc.column('date').doUpdateSet({ kind, note, updated_at: new Date() }))
    .execute();
}

/** Removes the override for one date; false when there was none. */
export async function deleteOverride(db: Kysely<DB>, date: string): Promise<boolean> {
  const r = await db.deleteFrom('calendar_overrides').where('date', '=', date).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
