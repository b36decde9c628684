/** The working calendar: official holidays and 调休 days plus the admin's overrides. */
import { Type, type Static } from 'typebox';

export const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (Asia/Shanghai)' });

export const CalendarQuery = Type.Object({
  from: Type.Optional(DateString),
  to: Type.Optional(DateString),
});
export type CalendarQuery = Static<typeof CalendarQuery>;

export const Day = Type.Object({
  date: Type.String(),
  workday: Type.Boolean(),
  source: Type.Union([
    Type.Literal('override'),
    Type.Literal('holiday'),
    Type.Literal('makeup_workday'),
    Type.Literal('weekday'),
    Type.Literal('weekend'),
  ]),
  name: Type.Optional(Type.String()),
});

export const CalendarResponse = Type.Object({
  from: Type.String(),
  to: Type.String(),
  days: Type.Array(Day),
  /** Years the bundled official schedule covers; outside them only weekends and overrides apply. */
  official_years: Type.Array(Type.Integer()),
});

export const DateParam = Type.Object({ date: DateString });

export const PutDayBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('workday'), Type.Literal('holiday')]),
    note: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type PutDayBody = Static<typeof PutDayBody>;
