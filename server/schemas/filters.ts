/**
 * The problem filters every list, statistic, hotspot, export and tile accepts, so one link (the
 * web map's URL) reproduces the same selection everywhere.
 */
import { Type, type Static } from 'typebox';

const csv = (description: string) =>
  Type.String({ description: `${description} (comma-separated)`, pattern: '^[^,]+(,[^,]+)*$' });

export const ProblemFilterQuery = Type.Object({
  status: Type.Optional(csv('statuses: reported, filed, dispatched, in_progress, resolved, closed, voided')),
  category: Type.Optional(csv('category codes')),
  group: Type.Optional(csv('category group codes, e.g. 06, L01')),
  source: Type.Optional(csv('sources: inspection, citizen, hotline, other')),
  tag: Type.Optional(
    Type.Union([Type.Literal('创文'), Type.Literal('创卫')], { description: 'campaign tag of the category' }),
  ),
  region: Type.Optional(Type.String({ pattern: '^[0-9]{6,15}$', description: 'region code prefix' })),
  from: Type.Optional(
    Type.String({ format: 'date-time-or-date', description: 'reported at or after (ISO date = 00:00 Asia/Shanghai)' }),
  ),
  to: Type.Optional(
    Type.String({
      format: 'date-time-or-date',
      description: 'reported before (ISO date = the next 00:00 Asia/Shanghai, i.e. inclusive)',
    }),
  ),
  overdue: Type.Optional(Type.Boolean({ description: 'only open items past their deadline' })),
  escalated: Type.Optional(Type.Boolean({ description: 'only escalated (督办) items' })),
  q: Type.Optional(
    Type.String({ maxLength: 100, pattern: '^[^\\u0000]*$', description: 'text in description or address' }),
  ),
  campaign: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: "only the campaign's member problems (its rule: categories × regions × period)",
    }),
  ),
});
export type ProblemFilterQuery = Static<typeof ProblemFilterQuery>;
