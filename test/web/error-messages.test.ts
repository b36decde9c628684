import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../server/errors.js';
import { ROW_REASONS } from '../../domain/problem-import.js';
import {
  ERROR_TEXT,
  REASON_TEXT,
  ROW_REASON_TEXT,
  errorText,
  rowReasonText,
  describeError,
} from '../../web/src/i18n/errors.js';

/** Every `reason` a route may put in an error's params (grep `reason: '` in server/ and db/queries/workflow.ts). */
const SERVER_REASONS = [
  'note_required',
  'due_at_required',
  'due_at_not_later',
  'due_at_in_past',
  'due_at_not_allowed',
  'duplicate_of_required',
  'duplicate_of_not_allowed',
  'duplicate_of_self',
  'duplicate_of_unknown',
  'duplicate_of_other_category',
  'duplicate_of_voided',
  'role_may_not',
  'role_required',
  'photos_not_allowed',
  'photo_too_large',
  'not_an_image',
  'not_multipart',
  'no_file',
  'bad_kind',
  'bad_position',
  'bad_accuracy',
  'after_photo_required',
  'unknown_photo',
  'wrong_kind',
  'already_attached',
  'point_outside_your_area',
  'category_not_your_department',
  'bad_idempotency_key',
  'key_reused',
  'nearest_needs_position',
  'login_required',
  'token_invalid',
  'schema',
];

const HAN = /[\u4e00-\u9fff]/;

describe('server errors in the page', () => {
  it('has a zh-CN and an English text for every error code, reason and import-row reason', () => {
    expect(Object.keys(ERROR_TEXT).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    expect(Object.keys(ROW_REASON_TEXT).sort()).toEqual([...ROW_REASONS].sort());
    for (const r of SERVER_REASONS) expect(REASON_TEXT[r], r).toBeDefined();
    for (const t of [...Object.values(ERROR_TEXT), ...Object.values(REASON_TEXT), ...Object.values(ROW_REASON_TEXT)]) {
      expect(t['zh-CN']).toMatch(HAN);
      expect(t.en).not.toMatch(HAN);
    }
  });

  it('renders a code with its params, preferring the reason, and labels the action in Chinese', () => {
    expect(
      errorText({ code: 'VALIDATION_FAILED', params: { reason: 'note_required', action: 'rework' } }, 'zh-CN'),
    ).toBe('“返工”须填写说明');
    expect(errorText({ code: 'VALIDATION_FAILED', params: { reason: 'note_required', action: 'rework' } }, 'en')).toBe(
      '“Send back for rework” needs a note',
    );
    expect(errorText({ code: 'PAYLOAD_TOO_LARGE', params: { reason: 'photo_too_large', limit_mb: 15 } }, 'zh-CN')).toBe(
      '照片过大（上限 15 MB）',
    );
    expect(errorText({ code: 'VERSION_CONFLICT', params: { action: 'file', version: 4 } }, 'zh-CN')).toBe(
      '问题已被他人更新（现为第 4 版），请刷新后重试',
    );
    expect(errorText({ code: 'SOMETHING_NEW', status: 418 }, 'zh-CN')).toBe('出错了（418）');
  });

  it('renders import-row reasons from their code, and a lost connection as no signal', () => {
    expect(
      rowReasonText(
        { code: 'category_unknown', params: { value: '乱扔' }, reason: 'unknown category "乱扔"' },
        'zh-CN',
      ),
    ).toBe('未知类别“乱扔”（填写编码如 06010 或名称如 暴露垃圾）');
    expect(describeError(new TypeError('Failed to fetch'), 'zh-CN')).toBe('无法连接服务器（暂无网络）');
  });
});
