/**
 * Workflow buttons for one problem (its `allowed_actions` for the caller). Actions that need a
 * reason, a new deadline or the original's id open a small form first. Sends the version the
 * user saw, so a concurrent change is a 409 the user is told about, never a silent overwrite.
 */
import { api, ApiError, type ProblemFeature } from '../api.js';
import { h, render } from '../dom.js';
import { actionLabel, t } from '../i18n/index.js';
import {
  NOTE_REQUIRED_ACTIONS,
  DUE_AT_REQUIRED_ACTIONS,
  DUPLICATE_OF_REQUIRED_ACTIONS,
  type Action,
} from '../../../domain/workflow.js';
import { fromShanghaiWall } from '../../../domain/time.js';

export function actionButtons(
  problem: ProblemFeature,
  onDone: (updated: ProblemFeature | null, message?: string) => void,
): HTMLElement {
  const p = problem.properties;
  const box = h('div', { class: 'actions', 'data-problem': p.id });
  const buttons = h('div', { class: 'action-buttons' });
  const form = h('div', { class: 'action-form' });
  const message = h('p', { class: 'error small', role: 'alert' });

  async function send(
    action: string,
    extra: { note?: string; due_at?: string; duplicate_of?: number } = {},
  ): Promise<void> {
    message.textContent = '';
    for (const b of box.querySelectorAll('button')) (b as HTMLButtonElement).disabled = true;
    try {
      const updated = await api.transition(p.id, { action, version: p.version, ...extra });
      onDone(updated);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        onDone(null, err.code === 'VERSION_CONFLICT' ? t('problem.conflict') : t('problem.illegal'));
      } else {
        message.textContent = t('common.error', { message: (err as Error).message });
        for (const b of box.querySelectorAll('button')) (b as HTMLButtonElement).disabled = false;
      }
    }
  }

  for (const action of p.allowed_actions) {
    const needsForm =
      NOTE_REQUIRED_ACTIONS.includes(action as Action) ||
      DUE_AT_REQUIRED_ACTIONS.includes(action as Action) ||
      DUPLICATE_OF_REQUIRED_ACTIONS.includes(action as Action);
    buttons.append(
      h(
        'button',
        {
          class: 'action',
          'data-action': action,
          onclick: () => {
            if (!needsForm) return void send(action);
            const note = h('textarea', { name: 'note', rows: 2, required: true });
            const due = h('input', { type: 'datetime-local', name: 'due_at' });
            const dup = h('input', { type: 'number', name: 'duplicate_of', min: 1 });
            const fields: HTMLElement[] = [h('label', {}, t('problem.note'), note)];
            if (DUE_AT_REQUIRED_ACTIONS.includes(action as Action))
              fields.push(h('label', {}, t('problem.newDue'), due));
            if (DUPLICATE_OF_REQUIRED_ACTIONS.includes(action as Action))
              fields.push(h('label', {}, t('problem.duplicateOf'), dup));
            render(
              form,
              h('strong', {}, actionLabel(action)),
              ...fields,
              h(
                'button',
                {
                  class: 'primary',
                  'data-submit': action,
                  onclick: () =>
                    void send(action, {
                      note: note.value.trim() || undefined,
                      due_at: due.value ? fromShanghaiWall(due.value).toISOString() : undefined,
                      duplicate_of: dup.value ? Number(dup.value) : undefined,
                    }),
                },
                t('problem.submit'),
              ),
            );
          },
        },
        actionLabel(action),
      ),
    );
  }
  box.append(buttons, form, message);
  return box;
}
