/**
 * Language and formatting. zh-CN is the default; the choice persists in localStorage. Every date
 * and time is shown in Asia/Shanghai whatever the browser's zone, because deadlines are set on
 * the county's working calendar; numbers follow Chinese grouping (12,345) and percentages.
 *
 * The formatters are pure (language passed in or read from the module state) so they are unit
 * tested in Node (test/web/i18n.test.ts).
 */
import { zhCN, type MessageKey } from './zh-CN.js';
import { en } from './en.js';
import {
  STATUS_LABELS_ZH,
  STATUS_LABELS_EN,
  ACTION_LABELS_ZH,
  ACTION_LABELS_EN,
  type Status,
  type Action,
} from '../../../domain/workflow.js';
import { HOUR_MS, TIME_ZONE } from '../../../domain/time.js';

export type Lang = 'zh-CN' | 'en';
export type { MessageKey };

const STORAGE_KEY = 'pm.lang';
const dictionaries: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

let current: Lang = storage()?.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
const listeners = new Set<(lang: Lang) => void>();

export function getLang(): Lang {
  return current;
}

/** Switches the language, persists it, and tells every listener (panels re-render). */
export function setLang(lang: Lang): void {
  current = lang;
  storage()?.setItem(STORAGE_KEY, lang);
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn: (lang: Lang) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The message for `key` with `{name}` parameters filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}, lang: Lang = current): string {
  const template = dictionaries[lang][key] ?? zhCN[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}

/**
 * The message for `key` cut at its `{param}`: the text before and after it, for a label whose
 * value is filled in elsewhere (a MapLibre expression around a tile's number).
 */
export function messageAround(key: MessageKey, param: string, lang: Lang = current): [string, string] {
  const template = dictionaries[lang][key] ?? zhCN[key] ?? key;
  const at = template.indexOf(`{${param}}`);
  return at < 0 ? [template, ''] : [template.slice(0, at), template.slice(at + param.length + 2)];
}

export function statusLabel(status: string, lang: Lang = current): string {
  const table = lang === 'en' ? STATUS_LABELS_EN : STATUS_LABELS_ZH;
  return table[status as Status] ?? status;
}

/** Record entries that are not workflow actions: the report itself, corrections, imports. */
const RECORD_LABELS: Record<string, Record<Lang, string>> = {
  create: { 'zh-CN': '上报', en: 'Reported' },
  report: { 'zh-CN': '上报', en: 'Reported' },
  edit: { 'zh-CN': '修改', en: 'Edited' },
  import: { 'zh-CN': '导入', en: 'Imported' },
};

export function actionLabel(action: string, lang: Lang = current): string {
  const table = lang === 'en' ? ACTION_LABELS_EN : ACTION_LABELS_ZH;
  return table[action as Action] ?? RECORD_LABELS[action]?.[lang] ?? (lang === 'en' ? action : '操作');
}

/**
 * Who made a record entry: the user's display name, or "系统" / "System" for the automatic
 * escalation sweep, which records the login name 'system' (SYSTEM_ACTOR in
 * db/queries/escalation.ts) and has no user row, so the zh-CN page shows no English login name.
 */
export function actorLabel(actor: string, displayName: string, role: string | null, lang: Lang = current): string {
  return actor === 'system' && role === null ? t('problem.systemActor', {}, lang) : displayName;
}

/** Integer or decimal with Chinese digit grouping; `–` for null. */
export function formatNumber(value: number | null | undefined, lang: Lang = current, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);
}

/** A rate in 0…1 as a percentage with one decimal; `–` for null (nothing was due). */
export function formatPercent(rate: number | null | undefined, lang: Lang = current): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '–';
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 0 }).format(
    rate,
  );
}

function parts(date: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-US', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date)) {
    out[p.type] = p.value;
  }
  return out;
}

function toDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

/** `2026年11月27日 14:05` (zh) or `27 Nov 2026, 14:05` (en), in Asia/Shanghai. */
export function formatDateTime(value: string | Date | null | undefined, lang: Lang = current): string {
  if (!value) return '–';
  const d = toDate(value);
  if (lang === 'zh-CN') {
    const p = parts(d);
    return `${p.year}年${p.month}月${p.day}日 ${p.hour}:${p.minute}`;
  }
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    dateStyle: 'medium',
    timeStyle: 'short',
    hourCycle: 'h23',
  }).format(d);
}

/** `2026年11月27日` (zh) or `27 Nov 2026` (en), in Asia/Shanghai. */
export function formatDate(value: string | Date | null | undefined, lang: Lang = current): string {
  if (!value) return '–';
  const d = toDate(value);
  if (lang === 'zh-CN') {
    const p = parts(d);
    return `${p.year}年${p.month}月${p.day}日`;
  }
  return new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, dateStyle: 'medium' }).format(d);
}

/**
 * A duration in milliseconds as its two largest units (`2天3小时`, `45分`); under a minute
 * rounds up to one minute so a running clock never reads "0".
 */
export function formatDuration(ms: number, lang: Lang = current): string {
  const minutes = Math.max(1, Math.ceil(Math.abs(ms) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const units: string[] = [];
  if (days) units.push(t('duration.d', { n: days }, lang));
  if (hours) units.push(t('duration.h', { n: hours }, lang));
  if (mins && !days) units.push(t('duration.m', { n: mins }, lang));
  const sep = lang === 'zh-CN' ? '' : ' ';
  return units.slice(0, 2).join(sep);
}

export interface Countdown {
  text: string;
  /** 'over' past the deadline, 'soon' within 4 hours, 'ok' otherwise, 'none' without one. */
  state: 'over' | 'soon' | 'ok' | 'none';
  /** Milliseconds to the deadline (negative when overdue). */
  ms: number | null;
}

/** Deadline countdown for an open item (剩余… / 超期…); closed items have none. */
export function countdown(
  dueAt: string | Date | null | undefined,
  now: Date = new Date(),
  lang: Lang = current,
  open = true,
): Countdown {
  if (!open) return { text: t('countdown.done', {}, lang), state: 'none', ms: null };
  if (!dueAt) return { text: t('problem.noDeadline', {}, lang), state: 'none', ms: null };
  const ms = toDate(dueAt).getTime() - now.getTime();
  if (ms < 0) return { text: t('countdown.over', { t: formatDuration(ms, lang) }, lang), state: 'over', ms };
  return {
    text: t('countdown.left', { t: formatDuration(ms, lang) }, lang),
    state: ms < 4 * HOUR_MS ? 'soon' : 'ok',
    ms,
  };
}
