/** The county's weekly bulletin (通报) over every problem: JSON, Word and Excel. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Readable } from 'node:stream';
import { errors } from '../schemas/common.js';
import { BulletinQuery, BulletinResponse } from '../schemas/campaigns.js';
import { computeBulletin } from '../services/bulletins.js';
import { bulletinJson } from '../services/campaign-view.js';
import { bulletinDocx } from '../export/bulletin-docx.js';
import { bulletinXlsx } from '../export/bulletin-xlsx.js';
import { attachmentHeader } from '../export/writers.js';
import { lastCompleteWeek } from '../../domain/campaigns.js';
import type { Scope } from '../../db/queries/scope.js';

const FileBody = (description: string) =>
  Type.Unsafe<Readable | Buffer>({ type: 'string', format: 'binary', description });
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const config = app.indicatorConfig;
  const bulletin = (week: string | undefined, scope: Scope) => {
    const now = new Date();
    return computeBulletin(app.db, {
      campaign: null,
      week: week ?? lastCompleteWeek(now),
      scope,
      now,
      config,
      countyRule: { weeks: app.config.interviewWeeks, list_size: app.config.blackListSize },
    });
  };

  app.get(
    '/county',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'The county’s weekly bulletin (通报) as JSON',
        querystring: BulletinQuery,
        response: { 200: BulletinResponse, ...errors(400, 401) },
      },
    },
    async (request) => bulletinJson(await bulletin(request.query.week, request.scope)),
  );

  app.get(
    '/county.docx',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'The county’s weekly bulletin (通报) as a Word document',
        querystring: BulletinQuery,
        response: { 200: FileBody(DOCX), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const b = await bulletin(request.query.week, request.scope);
      reply
        .header('content-type', DOCX)
        .header('content-disposition', attachmentHeader(`${b.title}.docx`, `county-bulletin-${b.week}.docx`));
      return reply.send(await bulletinDocx(b, app.config.photoDir));
    },
  );

  app.get(
    '/county.xlsx',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'The data behind the county’s weekly bulletin as an Excel workbook',
        querystring: BulletinQuery,
        response: { 200: FileBody(XLSX), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const b = await bulletin(request.query.week, request.scope);
      reply
        .header('content-type', XLSX)
        .header('content-disposition', attachmentHeader(`${b.title}.xlsx`, `county-bulletin-${b.week}.xlsx`));
      return reply.send(bulletinXlsx(b));
    },
  );
};

export default routes;
