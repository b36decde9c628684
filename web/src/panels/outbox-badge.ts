/**
 * "3 条待上传": what the outbox holds, always visible while anything waits; conflicts (409) and
 * refusals stay listed with their reason until the user dismisses them.
 */
import { h, render } from '../dom.js';
import { errorText } from '../i18n/errors.js';
import { actionLabel, onLangChange, t } from '../i18n/index.js';
import { dismiss, drain, listItems, onOutboxChange, type QueuedItem } from '../offline/outbox.js';

export function mountOutboxBadge(parent: HTMLElement): () => void {
  const el = h('div', { class: 'outbox', id: 'outbox', role: 'status', hidden: true });
  parent.append(el);
  const draw = (items: QueuedItem[]) => {
    const pending = items.filter((i) => i.state === 'pending');
    const problems = items.filter((i) => i.state !== 'pending');
    el.hidden = items.length === 0;
    el.dataset.pending = String(pending.length);
    render(
      el,
      pending.length
        ? h(
            'button',
            { class: 'outbox-pending', 'data-pending': pending.length, onclick: () => void drain() },
            t('outbox.pending', { n: pending.length }),
          )
        : null,
      ...problems.map((i) =>
        h(
          'div',
          { class: 'outbox-problem', 'data-outbox-state': i.state },
          h(
            'strong',
            {},
            `${i.state === 'conflict' ? t('outbox.conflict') : t('outbox.failed')}：`,
            i.type === 'create'
              ? t('outbox.create')
              : i.type === 'inspection'
                ? t('outbox.inspection', { point: i.pointName })
                : `#${i.problemId} ${actionLabel(i.body.action)}`,
          ),
          h('div', { class: 'small' }, i.error ? errorText(i.error) : ''),
          h('button', { class: 'link', onclick: () => void dismiss(i.key) }, t('outbox.dismiss')),
        ),
      ),
    );
  };
  const off = onOutboxChange(draw);
  const offLang = onLangChange(() => void listItems().then(draw));
  return () => {
    off();
    offLang();
    el.remove();
  };
}
