/**
 * The working calendar deadlines are computed on: the official schedule (holidays and 调休
 * make-up working days from chinese-days) with the admin's per-day overrides on top.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../errors.js';
import { requireRole } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { CalendarQuery, CalendarResponse, DateParam, Day, PutDayBody } from '../schemas/calendar.js';
import { OFFICIAL_SCHEDULE_YEARS, type DayInfo } from '../../domain/calendar.js';
import { addDays, DAY_MS, toShanghaiDate } from '../../domain/time.js';
import { deleteOverride, loadCalendar, upsertOverride } from '../../db/queries/calendar.js';

/** Longest range one request may ask for, in days (a year and a bit, for the admin's year view). */
export const MAX_CALENDAR_DAYS = 400;

/** A date string that is well-formed and a real day (not 2026-02-30); throws 400 otherwise. */
function checkDate(date: string, field: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) {
    throw new AppError('VALIDATION_FAILED', `${field}: ${date} is not a calendar date`);
  }
  return date;
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    { schema: { querystring: CalendarQuery, response: { 200: CalendarResponse, ...errors(400, 401) } } },
    async (request) => {
      // Default: the current Asia/Shanghai year.
      const year = toShanghaiDate(new Date()).slice(0, 4);
      const from = checkDate(request.query.from ?? `${year}-01-01`, 'from');
      const to = checkDate(request.query.to ?? (request.query.from ? addDays(from, 30) : `${year}-12-31`), 'to');
      if (to < from) throw new AppError('VALIDATION_FAILED', `to (${to}) is before from (${from})`);
      const span = Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;
      if (span > MAX_CALENDAR_DAYS)
        throw new AppError('VALIDATION_FAILED', `at most ${MAX_CALENDAR_DAYS} days per request, asked for ${span}`);
      const cal = await loadCalendar(app.db);
      const days: DayInfo[] = [];
      for (let d = from; d <= to; d = addDays(d, 1)) days.push(cal.describe(d));
      return { from, to, days, official_years: [...OFFICIAL_SCHEDULE_YEARS] };
    },
  );

  app.put(
    '/:date',
    {
      preValidation: requireRole('admin'),
      schema: { params: DateParam, body: PutDayBody, response: { 200: Day, ...errors(400, 401, 403) } },
    },
    async (request) => {
      const date = checkDate(request.params.date, 'date');
      await upsertOverride(app.db, date, request.body.kind, request.body.note?.trim() || null);
      return (await loadCalendar(app.db)).describe(date);
    },
  );

  app.delete(
    '/:date',
    {
      preValidation: requireRole('admin'),
      schema: { params: DateParam, response: { 200: Day, ...errors(400, 401, 403, 404) } },
    },
    async (request) => {
      const date = checkDate(request.params.date, 'date');
      if (!(await deleteOverride(app.db, date))) throw new AppError('NOT_FOUND', `no override for ${date}`);
      // The day as it now reads from the official schedule.
      return (await loadCalendar(app.db)).describe(date);
    },
  );
};
export default routes;
