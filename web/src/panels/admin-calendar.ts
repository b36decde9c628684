/**
 * Admin working calendar: one month at a time, each day with its kind (working day or day off)
 * and where that comes from (official holiday, 调休 make-up day, weekend, override). Overriding a
 * day PUTs it; resetting DELETEs the override.
 */
import { describeError } from '../i18n/errors.js';
import { api, type CalendarDay } from '../api.js';
import { h, render, showStatus } from '../dom.js';
import { getLang, t, type Lang, type MessageKey } from '../i18n/index.js';
import { TIME_ZONE, fromShanghai, toShanghaiDate } from '../../../domain/time.js';

const SOURCES = ['weekend', 'weekday', 'makeup_workday', 'holiday', 'override'];

/** Where a day's kind comes from, in the page's language (周末, 调休上班, 管理员设定…); unknown ones as sent. */
export function calendarSourceLabel(source: string, lang: Lang = getLang()): string {
  return SOURCES.includes(source) ? t(`cal.src.${source}` as MessageKey, {}, lang) : source;
}

/** First and last day (YYYY-MM-DD) of a YYYY-MM month (pure). */
export function monthRange(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

export async function renderCalendar(root: HTMLElement, month = toShanghaiDate(new Date()).slice(0, 7)): Promise<void> {
  const picker = h('input', { type: 'month', value: month });
  picker.addEventListener('change', () => void renderCalendar(root, picker.value));
  const message = h('p', { class: 'small', role: 'status' });
  render(root, h('label', {}, t('cal.month'), picker), h('p', { class: 'muted' }, t('common.loading')));
  const { from, to } = monthRange(month);
  let days: CalendarDay[];
  try {
    days = (await api.calendar(from, to)).days;
  } catch (err) {
    render(root, h('label', {}, t('cal.month'), picker), h('p', { class: 'error' }, describeError(err)));
    return;
  }
  const rows = days.map((d) => {
    const note = h('input', { placeholder: t('cal.note'), value: d.source === 'override' ? (d.name ?? '') : '' });
    const setKind = async (kind: 'workday' | 'holiday') => {
      try {
        await api.putDay(d.date, kind, note.value.trim() || null);
        await renderCalendar(root, month);
      } catch (err) {
        showStatus(message, describeError(err), 'error');
      }
    };
    const weekday = fromShanghai(d.date).toLocaleDateString(getLang(), {
      weekday: 'short',
      timeZone: TIME_ZONE,
    });
    return h(
      'tr',
      { class: d.workday ? 'workday' : 'holiday', 'data-date': d.date },
      h('td', {}, `${d.date} ${weekday}`),
      h('td', {}, d.workday ? t('cal.workday') : t('cal.holiday')),
      h('td', { 'data-source': d.source }, calendarSourceLabel(d.source), d.name ? ` · ${d.name}` : ''),
      h('td', {}, note),
      h(
        'td',
        {},
        h('button', { class: 'small', onclick: () => void setKind('workday') }, t('cal.workday')),
        h('button', { class: 'small', onclick: () => void setKind('holiday') }, t('cal.holiday')),
        d.source === 'override'
          ? h(
              'button',
              {
                class: 'small link',
                onclick: async () => {
                  await api.deleteDay(d.date).catch((e: unknown) => (message.textContent = describeError(e)));
                  await renderCalendar(root, month);
                },
              },
              t('cal.reset'),
            )
          : null,
      ),
    );
  });
  render(
    root,
    h('label', {}, t('cal.month'), picker),
    message,
    h(
      'table',
      { class: 'grid calendar', id: 'calendar-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, t('cal.date')),
          h('th', {}, t('cal.kind')),
          h('th', {}, t('cal.source')),
          h('th', {}, t('cal.note')),
          h('th', {}, t('cal.override')),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}
