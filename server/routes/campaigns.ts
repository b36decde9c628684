/**
 * Campaigns (集中攻坚): create, list, edit; progress against the targets per unit; and the weekly
 * bulletin (通报) as JSON, Word and Excel. A manager sees the campaigns that touch their area, with
 * their own area's numbers; creating and editing is for leaders and admins.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Readable } from 'node:stream';
import { errors } from '../schemas/common.js';
import {
  BulletinQuery,
  BulletinResponse,
  Campaign,
  CampaignBody,
  CampaignIdParams,
  CampaignList,
  CampaignListQuery,
  CampaignPatch,
  ProgressQuery,
  ProgressResponse,
} from '../schemas/campaigns.js';
import { AppError, notFound } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import {
  findCampaign,
  insertCampaign,
  listCampaigns,
  updateCampaign,
  type CampaignInput,
} from '../../db/queries/campaigns.js';
import { campaignProgress } from '../services/campaigns.js';
import { computeBulletin, type Bulletin } from '../services/bulletins.js';
import { bulletinJson, campaignJson, progressJson } from '../services/campaign-view.js';
import { bulletinDocx } from '../export/bulletin-docx.js';
import { bulletinXlsx } from '../export/bulletin-xlsx.js';
import { attachmentHeader } from '../export/writers.js';
import { lastCompleteWeek, targetProblem, weekStart } from '../../domain/campaigns.js';
import { addDays, fromShanghai, toShanghaiDate } from '../../domain/time.js';
import type { DB } from '../../db/types.js';
import type { Kysely } from 'kysely';

const FileBody = (description: string) =>
  Type.Unsafe<Readable | Buffer>({ type: 'string', format: 'binary', description });
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Body → stored fields; 400/422 with the field named on a bad period, target, category or region. */
async function inputOf(
  db: Kysely<DB>,
  body: Partial<CampaignBody> & { archived?: boolean },
  base?: { from: string; to: string },
) {
  const out: Partial<CampaignInput> = {};
  const from = body.period_from ?? base?.from;
  const to = body.period_to ?? base?.to;
  if (body.period_from !== undefined || body.period_to !== undefined) {
    if (!from || !to) throw new AppError('BAD_REQUEST', 'period_from and period_to are both needed');
    let starts: Date, ends: Date;
    try {
      starts = fromShanghai(from);
      ends = fromShanghai(addDays(to, 1));
    } catch (err) {
      throw new AppError('BAD_REQUEST', (err as Error).message, { field: 'period' });
    }
    if (ends <= starts)
      throw new AppError('BAD_REQUEST', 'period_to must not be before period_from', {
        period_from: from,
        period_to: to,
      });
    out.starts_at = starts;
    out.ends_at = ends;
  }
  if (body.targets) {
    const problem = targetProblem(body.targets);
    if (problem) throw new AppError('UNPROCESSABLE', problem, { field: 'targets' });
  }
  if (body.categories?.length) {
    const found = await db.selectFrom('categories').select('code').where('code', 'in', body.categories).execute();
    const missing = body.categories.filter((c) => !found.some((f) => f.code === c));
    if (missing.length)
      throw new AppError('UNKNOWN_CATEGORY', `unknown categories: ${missing.join(', ')}`, { categories: missing });
  }
  const codes = [...(body.regions ?? []), ...(body.responsible_streets ?? [])];
  if (codes.length) {
    const found = await db.selectFrom('regions').select('code').where('code', 'in', codes).execute();
    const missing = codes.filter((c) => !found.some((f) => f.code === c));
    if (missing.length)
      throw new AppError('UNPROCESSABLE', `unknown regions: ${missing.join(', ')}`, { regions: missing });
  }
  if (body.point_types?.length) {
    const found = await db.selectFrom('point_types').select('code').where('code', 'in', body.point_types).execute();
    const missing = body.point_types.filter((c) => !found.some((f) => f.code === c));
    if (missing.length)
      throw new AppError('UNPROCESSABLE', `unknown point types: ${missing.join(', ')}`, { point_types: missing });
  }
  for (const k of [
    'name',
    'kind',
    'categories',
    'category_groups',
    'regions',
    'point_types',
    'lead_department',
    'responsible_streets',
    'targets',
    'interview_rule',
    'archived',
  ] as const) {
    if (body[k] !== undefined) (out as Record<string, unknown>)[k] = body[k];
  }
  return out;
}

/** The last complete week, or the campaign's last week when it ended before that. */
function defaultWeek(c: { ends_at: Date }, now: Date): string {
  const last = weekStart(toShanghaiDate(new Date(c.ends_at.getTime() - 1)));
  const done = lastCompleteWeek(now);
  return last < done ? last : done;
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const config = app.indicatorConfig;
  const editors = requireRole('admin', 'leader');

  const load = async (id: number, scope: Parameters<typeof findCampaign>[2]) => {
    const c = await findCampaign(app.db, id, scope);
    if (!c) throw notFound(`campaign ${id}`);
    return c;
  };
  const bulletinOf = async (id: number, week: string | undefined, scope: Parameters<typeof findCampaign>[2]) => {
    const campaign = await load(id, scope);
    const now = new Date();
    return computeBulletin(app.db, {
      campaign,
      week: week ?? defaultWeek(campaign, now),
      scope,
      now,
      config,
      countyRule: { weeks: app.config.interviewWeeks, list_size: app.config.blackListSize },
    });
  };

  app.get(
    '/',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Campaigns that touch the caller’s area (newest first)',
        querystring: CampaignListQuery,
        response: { 200: CampaignList, ...errors(400, 401) },
      },
    },
    async (request) => ({
      campaigns: (await listCampaigns(app.db, request.scope, { includeArchived: request.query.archived })).map(
        campaignJson,
      ),
    }),
  );

  app.post(
    '/',
    {
      preHandler: editors,
      schema: {
        tags: ['campaigns'],
        summary:
          'Create a campaign: rule (categories × regions × period), lead department, responsible streets, targets',
        body: CampaignBody,
        response: { 201: Campaign, ...errors(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const input = (await inputOf(app.db, request.body)) as CampaignInput;
      const id = await insertCampaign(app.db, input, userOf(request).id);
      reply.code(201);
      return campaignJson((await findCampaign(app.db, id, request.scope))!);
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'One campaign',
        params: CampaignIdParams,
        response: { 200: Campaign, ...errors(400, 401, 404) },
      },
    },
    async (request) => campaignJson(await load(request.params.id, request.scope)),
  );

  app.patch(
    '/:id',
    {
      preHandler: editors,
      schema: {
        tags: ['campaigns'],
        summary: 'Edit a campaign (membership follows the new rule at once) or archive it',
        params: CampaignIdParams,
        body: CampaignPatch,
        response: { 200: Campaign, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const current = await load(request.params.id, request.scope);
      const input = await inputOf(app.db, request.body, {
        from: toShanghaiDate(current.starts_at),
        to: toShanghaiDate(new Date(current.ends_at.getTime() - 1)),
      });
      await updateCampaign(app.db, current.id, input);
      return campaignJson(await load(current.id, request.scope));
    },
  );

  app.get(
    '/:id/progress',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Progress: targets per unit, 红黑榜, overdue by unit, trend, burn-down',
        params: CampaignIdParams,
        querystring: ProgressQuery,
        response: { 200: ProgressResponse, ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const campaign = await load(request.params.id, request.scope);
      const progress = await campaignProgress(app.db, {
        campaign,
        level: request.query.level ?? 'street',
        scope: request.scope,
        now: new Date(),
        config,
      });
      return progressJson(campaign, progress);
    },
  );

  app.get(
    '/:id/bulletin',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'The weekly bulletin (通报) of a campaign as JSON',
        params: CampaignIdParams,
        querystring: BulletinQuery,
        response: { 200: BulletinResponse, ...errors(400, 401, 404) },
      },
    },
    async (request) => bulletinJson(await bulletinOf(request.params.id, request.query.week, request.scope)),
  );

  // The bulletin as a file: the same selection and the same headers, in one format each.
  const files = [
    {
      ext: 'docx',
      type: DOCX,
      summary: 'The weekly bulletin (通报) of a campaign as a Word document',
      render: (b: Bulletin) => bulletinDocx(b, app.config.photoDir),
    },
    {
      ext: 'xlsx',
      type: XLSX,
      summary: 'The data behind a campaign’s weekly bulletin as an Excel workbook',
      render: (b: Bulletin) => bulletinXlsx(b),
    },
  ];
  for (const file of files) {
    app.get(
      `/:id/bulletin.${file.ext}`,
      {
        schema: {
          tags: ['campaigns'],
          summary: file.summary,
          params: CampaignIdParams,
          querystring: BulletinQuery,
          response: { 200: FileBody(file.type), ...errors(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const b = await bulletinOf(request.params.id, request.query.week, request.scope);
        reply
          .header('content-type', file.type)
          .header('content-disposition', attachmentHeader(`${b.title}.${file.ext}`, `bulletin-${b.week}.${file.ext}`));
        return reply.send(await file.render(b));
      },
    );
  }
};

export default routes;
