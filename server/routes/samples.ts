/**
 * /api/samples: mock assessments (模拟测评). The admin or a leader draws a stratified random sample
 * of points with a recorded seed and hands it out as inspection tasks with a deadline; inspectors
 * read their tasks (/api/tasks) and inspect; everyone reads the expected score with its confidence.
 * A manager sees the tasks at points of their own area only (a sample without any is a 404).
 */
import type { Readable } from 'node:stream';
import { randomInt } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, notFound } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import { errors, IdParam } from '../schemas/common.js';
import { DrawSampleBody, SampleDetail, SampleList, Task, TaskList, TasksQuery } from '../schemas/samples.js';
import { attachmentHeader, xlsxStream, type Column } from '../export/writers.js';
import { renderSampleSheet } from '../export/sample-sheet.js';
import { allocateSample } from '../../domain/assessment.js';
import { toShanghaiDate, formatShanghai } from '../../domain/time.js';
import {
  createSample,
  estimateSample,
  getSample,
  getTask,
  listSamples,
  listTasks,
  sampleSheet,
  sampleStrata,
  type TaskView,
} from '../../db/queries/samples.js';
import { filterInstant } from '../../db/queries/filters.js';
import { codeInScope } from '../../db/queries/scope.js';
import { DEMO_POPULATION, sampleBandFor } from '../../db/seed/assessment.js';

const TAGS = ['assessment'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const FileBody = (description: string) => Type.Unsafe<Readable>({ type: 'string', format: 'binary', description });

const TASK_COLUMNS: Column<TaskView & { status: string; due: string }>[] = [
  { key: 'position', header: '序号', width: 6 },
  { key: 'point_ref', header: '点位编号', width: 14 },
  { key: 'type_name', header: '点位类型', width: 18 },
  { key: 'point_name', header: '点位名称', width: 28 },
  { key: 'address', header: '地址', width: 30 },
  { key: 'region_code', header: '所属网格', width: 18 },
  { key: 'lon', header: '经度', width: 12, numFmt: '0.000000' },
  { key: 'lat', header: '纬度', width: 12, numFmt: '0.000000' },
  { key: 'assignee', header: '检查员', width: 12 },
  { key: 'due', header: '截止时间', width: 18 },
  { key: 'status', header: '状态', width: 10 },
  { key: 'score', header: '达标率(%)', width: 10, numFmt: '0.0' },
];

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/samples',
    {
      preHandler: requireRole('admin', 'leader'),
      schema: {
        tags: TAGS,
        summary: 'Draw a mock-assessment sample (stratified by point type, seed recorded) and hand it out as tasks',
        body: DrawSampleBody,
        response: { 201: SampleDetail, ...errors(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const b = request.body;
      const region =
        b.region ??
        (
          await app.db
            .selectFrom('regions')
            .select('code')
            .where('level', '=', 'county')
            .orderBy('code')
            .executeTakeFirst()
        )?.code;
      if (!region)
        throw new AppError('UNPROCESSABLE', 'no county is loaded: import regions first', { reason: 'no_regions' });
      if (!codeInScope(request.scope, region)) throw new AppError('FORBIDDEN', 'the region is outside your area');
      const strata = await sampleStrata(app.db, request.scope, region);
      if (strata.size === 0)
        throw new AppError('UNPROCESSABLE', 'the region has no active points to draw from', {
          reason: 'no_points',
          region,
        });
      const unknown = Object.keys(b.sizes ?? {}).filter((t) => !strata.has(t) && (b.sizes![t] ?? 0) > 0);
      if (unknown.length)
        throw new AppError('UNPROCESSABLE', `no active points of type ${unknown.join(', ')} in the region`, {
          reason: 'empty_types',
          types: unknown,
        });
      if (b.assignees.length) {
        const ok = await app.db
          .selectFrom('users')
          .select('id')
          .where('id', 'in', b.assignees)
          .where('active', '=', true)
          .where('role', 'in', ['inspector', 'manager', 'admin'])
          .execute();
        const bad = b.assignees.filter((id) => !ok.some((u) => u.id === id));
        if (bad.length)
          throw new AppError('UNPROCESSABLE', `users ${bad.join(', ')} cannot inspect`, {
            reason: 'bad_assignees',
            users: bad,
          });
      }
      const band = sampleBandFor(b.population ?? DEMO_POPULATION);
      const counts = [...strata].map(([type, ids]) => ({ type, count: ids.length }));
      const sizes = b.sizes ?? allocateSample(counts, b.total ?? band.total, b.total ? {} : band.fixed);
      const seed = b.seed ?? randomInt(0, 2 ** 32);
      const due = filterInstant(b.due_at, true);
      const created = await app.db
        .transaction()
        .execute((trx) =>
          createSample(trx, { name: b.name, seed, region, sizes, due_at: due, assignees: b.assignees }, strata, user),
        );
      const sample = (await getSample(app.db, created.id, request.scope))!;
      return reply.code(201).send({
        sample,
        tasks: await listTasks(app.db, request.scope, { sampleId: sample.id }),
        estimate: await estimateSample(app.db, sample, request.scope),
      });
    },
  );

  app.get(
    '/samples',
    {
      schema: {
        tags: TAGS,
        summary: 'Mock-assessment samples, newest first (a manager: those with tasks in their area)',
        response: { 200: SampleList, ...errors(401) },
      },
    },
    async (request) => ({ samples: await listSamples(app.db, request.scope) }),
  );

  app.get(
    '/samples/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'A sample with its tasks and the expected score per standard and per street, with 95 % intervals',
        params: IdParam,
        response: { 200: SampleDetail, ...errors(401, 404) },
      },
    },
    async (request) => {
      const sample = await getSample(app.db, request.params.id, request.scope);
      if (!sample) throw notFound(`sample ${request.params.id}`);
      return {
        sample,
        tasks: await listTasks(app.db, request.scope, { sampleId: sample.id }),
        estimate: await estimateSample(app.db, sample, request.scope),
      };
    },
  );

  app.get(
    '/samples/:id/tasks.xlsx',
    {
      schema: {
        tags: TAGS,
        summary: 'The task sheet of a sample as an Excel workbook (the caller’s area only)',
        params: IdParam,
        response: { 200: FileBody(XLSX), ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      const sample = await getSample(app.db, request.params.id, request.scope);
      if (!sample) throw notFound(`sample ${request.params.id}`);
      const tasks = await listTasks(app.db, request.scope, { sampleId: sample.id });
      const rows = tasks
        .sort((a, b) => a.position - b.position)
        .map((t) => ({
          ...t,
          due: formatShanghai(new Date(t.due_at)),
          status: t.inspection_id ? '已完成' : t.overdue ? '已超期' : '待检查',
        }));
      reply
        .header('content-type', XLSX)
        .header(
          'content-disposition',
          attachmentHeader(
            `模拟测评任务-${sample.name}-${toShanghaiDate(new Date())}.xlsx`,
            `sample-${sample.id}-tasks.xlsx`,
          ),
        );
      return reply.send(
        xlsxStream([
          {
            name: '测评任务',
            title: [
              `模拟测评任务单：${sample.name}`,
              `随机种子 ${sample.seed} · 抽取 ${tasks.length} 个点位 · 截止 ${formatShanghai(new Date(sample.due_at))}`,
            ],
            columns: TASK_COLUMNS,
            rows,
          },
        ]),
      );
    },
  );

  app.get(
    '/samples/:id/sheet.html',
    {
      schema: {
        tags: TAGS,
        summary:
          'The task sheet of a sample as a print-ready A4 HTML page with a static map of the points, by street (the caller’s area only)',
        params: IdParam,
        response: {
          200: Type.String({ description: 'text/html; charset=utf-8: a self-contained page (no external request)' }),
          ...errors(401, 404),
        },
      },
    },
    async (request, reply) => {
      const sample = await getSample(app.db, request.params.id, request.scope);
      if (!sample) throw notFound(`sample ${request.params.id}`);
      const { tasks, outlines } = await sampleSheet(app.db, sample, request.scope);
      const html = renderSampleSheet({ sample, tasks, outlines, generatedAt: new Date() });
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.get(
    '/tasks',
    {
      preHandler: requireRole('admin', 'inspector', 'manager', 'leader'),
      schema: {
        tags: TAGS,
        summary: 'Inspection tasks handed to the caller (all=true: every task in their area), open ones first',
        querystring: TasksQuery,
        response: { 200: TaskList, ...errors(401, 403) },
      },
    },
    async (request) => {
      const user = userOf(request);
      return {
        tasks: await listTasks(app.db, request.scope, {
          assignee: request.query.all ? undefined : user.id,
          openOnly: request.query.open,
        }),
      };
    },
  );

  app.get(
    '/tasks/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One inspection task (404 outside the caller’s area)',
        params: IdParam,
        response: { 200: Task, ...errors(401, 404) },
      },
    },
    async (request) => {
      const task = await getTask(app.db, request.params.id, request.scope);
      if (!task) throw notFound(`task ${request.params.id}`);
      return task;
    },
  );
};

export default routes;
