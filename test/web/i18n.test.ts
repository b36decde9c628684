import { describe, expect, it } from 'vitest';
import {
  countdown,
  formatDate,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatPercent,
  statusLabel,
  actionLabel,
  actorLabel,
  messageAround,
  t,
} from '../../web/src/i18n/index.js';
import { zhCN } from '../../web/src/i18n/zh-CN.js';
import { en } from '../../web/src/i18n/en.js';

describe('web i18n', () => {
  it('has an English string for every Chinese one', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  });

  it('defaults to Chinese and fills parameters', () => {
    expect(t('add.created', { id: 42 })).toBe('已上报，编号 42');
    expect(t('add.created', { id: 42 }, 'en')).toBe('Reported as #42');
  });

  it("cuts the capped-tile label at its count, in each language, so the map's label is read from the tables", () => {
    expect(messageAround('map.omitted', 'n', 'zh-CN')).toEqual(['另有 ', ' 个未显示']);
    expect(messageAround('map.omitted', 'n', 'en')).toEqual(['+', ' not shown']);
    // A message without the parameter is all "before".
    expect(messageAround('legend.nodata', 'n', 'en')).toEqual(['No data', '']);
  });

  it("names the escalation sweep's record entries in the page's language, and users by their display name", () => {
    expect(actorLabel('system', 'system', null, 'zh-CN')).toBe('系统');
    expect(actorLabel('system', 'system', null, 'en')).toBe('System');
    expect(actorLabel('li', '李网格长', 'manager', 'zh-CN')).toBe('李网格长');
    // A user who happens to log in as "system" keeps their name.
    expect(actorLabel('system', '系统管理员', 'admin', 'en')).toBe('系统管理员');
  });

  it('shows times in Asia/Shanghai whatever the machine zone', () => {
    // 2026-11-26T16:30Z is 00:30 on the 27th in Shanghai.
    expect(formatDateTime('2026-11-26T16:30:00Z', 'zh-CN')).toBe('2026年11月27日 00:30');
    expect(formatDate('2026-11-26T16:30:00Z', 'zh-CN')).toBe('2026年11月27日');
    expect(formatDateTime('2026-11-26T16:30:00Z', 'en')).toMatch(/27 Nov 2026.*00:30/);
    expect(formatDateTime(null)).toBe('–');
  });

  it('groups digits and writes rates as percentages', () => {
    expect(formatNumber(12345, 'zh-CN')).toBe('12,345');
    expect(formatPercent(0.8567, 'zh-CN')).toBe('85.7%');
    expect(formatPercent(null)).toBe('–');
  });

  it('counts down to a deadline and up past it', () => {
    const now = new Date('2026-11-27T00:00:00Z');
    const left = countdown('2026-11-27T02:30:00Z', now, 'zh-CN');
    expect(left).toMatchObject({ state: 'soon', text: '剩余2小时30分' });
    const over = countdown('2026-11-24T22:00:00Z', now, 'zh-CN');
    expect(over).toMatchObject({ state: 'over', text: '超期2天2小时' });
    expect(countdown('2026-12-01T00:00:00Z', now, 'en').text).toBe('4 d left');
    expect(countdown(null, now, 'zh-CN').state).toBe('none');
    expect(countdown('2026-11-24T22:00:00Z', now, 'zh-CN', false).state).toBe('none');
  });

  it('never shows a zero duration for a running clock', () => {
    expect(formatDuration(5_000, 'zh-CN')).toBe('1分');
  });

  it('labels statuses and actions from the workflow module', () => {
    expect(statusLabel('resolved', 'zh-CN')).toBe('已处置待核查');
    expect(actionLabel('extend', 'en')).toBe('Extend deadline');
    expect(statusLabel('unknown_status', 'zh-CN')).toBe('unknown_status');
  });
});
