import { describe, expect, it } from 'vitest';
import { cellText, columnLabel, refusal, reportSections, successSummary } from '../../web/src/panels/admin-imports.js';
import { calendarSourceLabel } from '../../web/src/panels/admin-calendar.js';

/** The answers the server really sends (server/routes/problems.ts, db/queries/regions.ts). */
const problemRefusal = {
  error: {
    code: 'IMPORT_REJECTED',
    message: '9 of 11 rows cannot be imported; nothing was imported',
    details: {
      rejected: Array.from({ length: 9 }, (_, i) => ({ line: i + 4, reason: 'outside every region' })),
      total: 11,
    },
  },
};
const repairRefusal = {
  error: {
    code: 'IMPORT_REJECTED',
    message:
      '1 feature(s) refused (invalid geometry: retry with repair=true to fix it with ST_MakeValid); nothing was imported',
    details: {
      rejected: [{ index: 0, code: '430121001001901', reason: 'Self-intersection[113.0725 28.2525]' }],
      overlaps: [],
      outside_parent: [],
    },
  },
};

describe('import report in the page language', () => {
  it('builds the refusal banner from the counts, not the English message', () => {
    const zh = refusal(422, problemRefusal, 'rows', null, 'zh-CN');
    expect(zh.banner).toBe('11 行中有 9 行无法导入，未导入任何数据。');
    expect(zh.banner).not.toMatch(/[a-z]{3}/i);
    expect(zh.hint).toBeNull();
    expect(refusal(422, problemRefusal, 'rows', null, 'en').banner).toBe(
      '9 of 11 rows cannot be imported; nothing was imported.',
    );
  });

  it('counts region features from the file when the answer has no total, and points at the repair checkbox', () => {
    const r = refusal(422, repairRefusal, 'features', 2, 'zh-CN');
    expect(r.banner).toBe('2 个要素中有 1 个被拒绝，未导入任何数据。');
    expect(r.hint).toContain('自动修复无效几何');
    expect(r.hint).not.toContain('repair=true');
    expect(refusal(422, repairRefusal, 'features', null, 'zh-CN').banner).toBe('有 1 项无法导入，未导入任何数据。');
  });

  it('explains topology and format refusals and oversize files', () => {
    const topo = {
      error: {
        code: 'IMPORT_REJECTED',
        message: 'x',
        details: {
          rejected: [],
          overlaps: [{ a: { index: 0, code: '1' }, b: { index: null, code: '2' }, area_m2: 5 }],
          outside_parent: [],
        },
      },
    };
    expect(refusal(422, topo, 'features', 3, 'zh-CN').banner).toBe(
      '边界检查未通过（重叠 1 处，超出上级 0 处），未导入任何数据。',
    );
    const format = {
      error: {
        code: 'IMPORT_REJECTED',
        message: 'missing column lon',
        details: { rejected: [{ line: 1, reason: 'missing column lon' }], total: 0 },
      },
    };
    expect(refusal(422, format, 'rows', null, 'zh-CN').banner).toBe('文件无法读取，未导入任何数据。');
    expect(
      refusal(413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'too big' } }, 'rows', null, 'zh-CN').banner,
    ).toBe('文件过大，未导入任何数据。');
  });

  it('translates the column headers and keeps the server reason per row', () => {
    expect(['line', 'reason'].map((c) => columnLabel(c, 'zh-CN'))).toEqual(['行号', '原因']);
    expect(['index', 'code', 'reason'].map((c) => columnLabel(c, 'zh-CN'))).toEqual(['序号', '编码', '原因']);
    expect(['index', 'code', 'reason'].map((c) => columnLabel(c, 'en'))).toEqual(['No.', 'Code', 'Reason']);
    expect(columnLabel('mystery', 'zh-CN')).toBe('mystery');
    expect(cellText('reason', 'Self-intersection[113.0725 28.2525]', 'zh-CN')).toBe(
      'Self-intersection[113.0725 28.2525]',
    );
    expect(cellText('a', { index: 3, code: '430121001001002' }, 'zh-CN')).toBe('430121001001002 #3');
    expect(cellText('b', { index: null, code: '430121001001003' }, 'zh-CN')).toBe('430121001001003（库中已有）');
    expect(cellText('area_m2', 1234.56, 'zh-CN')).toBe('1,234.6');
  });

  it('lists every non-empty report of a refusal or a success', () => {
    expect(reportSections(problemRefusal).map((s) => [s.kind, s.rows.length])).toEqual([['rejected', 9]]);
    expect(reportSections(repairRefusal).map((s) => s.kind)).toEqual(['rejected']);
    const ok = {
      created: 2,
      updated: 0,
      repaired: [{ index: 0, code: '1', reason: 'x' }],
      warnings: [],
      problems_reassigned: 0,
    };
    expect(reportSections(ok).map((s) => s.kind)).toEqual(['repaired']);
    expect(reportSections({ error: { code: 'X', message: 'm' } })).toEqual([]);
  });

  it('summarises a success in words, not raw keys', () => {
    expect(successSummary({ created: 12, rejected: [], total: 12 }, 'zh-CN')).toBe('导入完成：新增 12，共 12 行');
    expect(successSummary({ created: 2, updated: 1, repaired: [], warnings: [], problems_reassigned: 5 }, 'en')).toBe(
      'Import finished: 2 created, 1 updated, 5 problems reassigned',
    );
  });
});

describe('calendar day sources', () => {
  it('names every source the server sends', () => {
    expect(
      ['weekend', 'weekday', 'makeup_workday', 'holiday', 'override'].map((s) => calendarSourceLabel(s, 'zh-CN')),
    ).toEqual(['周末', '工作日', '调休上班', '法定节假日', '管理员设定']);
    expect(calendarSourceLabel('makeup_workday', 'en')).toBe('Make-up working day');
  });
});
