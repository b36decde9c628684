import { describe, expect, it } from 'vitest';
import { canEdit, canReport, editBody, editErrorMessage, type EditValues } from '../../web/src/panels/problem-edit.js';
import { duplicateWarning } from '../../web/src/panels/admin-imports.js';
import { cellText, columnLabel } from '../../web/src/panels/admin-imports.js';
import type { ProblemDetail } from '../../web/src/api.js';

const shown = {
  id: 17,
  version: 4,
  status: 'dispatched',
  category_code: '0101',
  description: '垃圾堆放',
  address: '人民路 3 号',
  severity: 1,
  photos: ['https://img.example/a.jpg'],
} as unknown as ProblemDetail['properties'];

const unchanged: EditValues = {
  description: '垃圾堆放',
  address: '人民路 3 号',
  category: '0101',
  severity: 1,
  photo: '',
  note: '',
  move: null,
};

describe('who may edit', () => {
  it('offers Edit to the editing roles on open problems only', () => {
    for (const role of ['admin', 'inspector', 'manager', 'department']) expect(canEdit(role, 'in_progress')).toBe(true);
    expect(canEdit('leader', 'in_progress')).toBe(false);
    expect(canEdit('admin', 'closed')).toBe(false);
    expect(canEdit('admin', 'voided')).toBe(false);
    expect(canEdit('inspector', 'reported')).toBe(true);
  });

  it('offers "report a problem" to every role the server lets report, a department included', () => {
    for (const role of ['admin', 'inspector', 'manager', 'department']) expect(canReport(role)).toBe(true);
    expect(canReport('leader')).toBe(false);
  });
});

describe('edit body', () => {
  it('is null when nothing changed (no empty edit event)', () => {
    expect(editBody(shown, unchanged)).toBeNull();
    expect(editBody(shown, { ...unchanged, description: ' 垃圾堆放 ', note: 'why' })).toBeNull();
  });

  it('sends only the changed fields with the version shown', () => {
    expect(editBody(shown, { ...unchanged, severity: 3, category: '0202', note: ' 现场核实 ' })).toEqual({
      version: 4,
      severity: 3,
      category: '0202',
      note: '现场核实',
    });
  });

  it('clears an address as null and adds a photo link to the existing ones', () => {
    expect(editBody(shown, { ...unchanged, address: '  ', photo: 'https://img.example/b.jpg' })).toEqual({
      version: 4,
      address: null,
      photos: ['https://img.example/a.jpg', 'https://img.example/b.jpg'],
    });
    expect(editBody(shown, { ...unchanged, photo: 'https://img.example/a.jpg' })).toBeNull();
  });

  it('moves with the clicked point in WGS84', () => {
    expect(editBody(shown, { ...unchanged, move: [113.08, 28.25] })).toEqual({
      version: 4,
      lon: 113.08,
      lat: 28.25,
      crs: 'wgs84',
    });
  });
});

describe('edit errors in the page language', () => {
  const err = (status: number, code: string, message = '') => ({ status, code, message });
  it('translates each code the PATCH answers', () => {
    expect(editErrorMessage(err(409, 'CONFLICT'), 'zh-CN')).toBe('已结案或已作废的问题不能编辑');
    expect(editErrorMessage(err(422, 'OUTSIDE_COVERAGE'), 'en')).toBe(
      'The new location is outside every block of the county',
    );
    expect(editErrorMessage(err(409, 'VERSION_CONFLICT'), 'zh-CN')).toMatch(/已被他人修改/);
    expect(editErrorMessage(err(404, 'NOT_FOUND'), 'en')).toMatch(/does not exist/);
  });

  it('tells the two FORBIDDEN causes apart', () => {
    expect(editErrorMessage(err(403, 'FORBIDDEN', 'the new location is outside your area'), 'zh-CN')).toBe(
      '新位置不在您负责的区域内',
    );
    expect(editErrorMessage(err(403, 'FORBIDDEN', 'that category is not handled by your department'), 'en')).toBe(
      'That category is not handled by your department',
    );
    expect(editErrorMessage(err(403, 'FORBIDDEN', 'role leader may not'), 'en')).toBe('You may not edit this problem');
  });

  it('keeps the code of an unexpected error', () => {
    expect(editErrorMessage(err(500, 'INTERNAL', 'boom'), 'en')).toBe('Error: INTERNAL boom');
  });
});

describe('possible duplicates of an import', () => {
  const body = {
    created: 5,
    rejected: [],
    total: 5,
    possible_duplicates: [
      { line: 3, id: 120, distance_m: 12.4 },
      { line: 5, id: 98, distance_m: 47.6 },
    ],
  };
  it('gives the warning line with the count, in zh and en', () => {
    expect(duplicateWarning(body, 'zh-CN')?.text).toMatch(/^2 行与已有未结问题疑似重复/);
    expect(duplicateWarning(body, 'en')?.text).toMatch(/^2 row\(s\) look like open problems/);
    expect(duplicateWarning(body, 'en')?.rows).toEqual(body.possible_duplicates);
  });

  it('says nothing when there are none (or an older server omits the list)', () => {
    expect(duplicateWarning({ ...body, possible_duplicates: [] })).toBeNull();
    expect(duplicateWarning({ created: 1, rejected: [], total: 1 })).toBeNull();
  });

  it('labels the table 行号 / 疑似重复的问题编号 / 距离(米) with whole metres', () => {
    expect(['line', 'id', 'distance_m'].map((c) => columnLabel(c, 'zh-CN'))).toEqual([
      '行号',
      '疑似重复的问题编号',
      '距离(米)',
    ]);
    expect(columnLabel('distance_m', 'en')).toBe('Distance (m)');
    expect(cellText('distance_m', 47.6, 'zh-CN')).toBe('48');
  });
});
