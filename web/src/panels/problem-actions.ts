/**
 * Workflow buttons for one problem (its `allowed_actions` for the caller). Actions that need a
 * reason, a new deadline, the original's id or photos (resolve: after-photos; close / rework:
 * re-inspection photos) open a small form first. Sent through the outbox with the version the
 * user saw: a concurrent change is a 409 the user is told about, never a silent overwrite, and
 * without signal the action waits on the phone with its idempotency key.
 */
import type { ProblemDetail } from '../api.js';
import { h, render } from '../dom.js';
import { errorText } from '../i18n/errors.js';
import { actionLabel, t } from '../i18n/index.js';
import { submit } from '../offline/outbox.js';
import {
  NOTE_REQUIRED_ACTIONS,
  DUE_AT_REQUIRED_ACTIONS,
  DUPLICATE_OF_REQUIRED_ACTIONS,
  type Action,
} from '../../../domain/workflow.js';
import { fromShanghaiWall } from '../../../domain/time.js';
import { devicePosition, photoInput, type PhotoInput } from './photo-input.js';

/** Actions that carry photos, and which kind. */
export const PHOTO_ACTIONS: Partial<Record<Action, 'resolution' | 'reinspection'>> = {
  resolve: 'resolution',
  close: 'reinspection',
  rework: 'reinspection',
};

type Extra = { note?: string; due_at?: string; duplicate_of?: number };

/**
 * Sends one transition through the outbox. `onDone(updated)` after it was applied, `onDone(null,
 * message)` when it was refused with a conflict or queued offline.
 */
export async function sendTransition(
  problem: { id: number; version: number },
  action: string,
  extra: Extra,
  files: File[],
): Promise<{ updated: ProblemDetail | null; message?: string; error?: string }> {
  const kind = PHOTO_ACTIONS[action as Action];
  const position = files.length ? await devicePosition(1500) : null;
  const outcome = await submit({
    type: 'transition',
    problemId: problem.id,
    body: { action, version: problem.version, ...extra },
    photos: kind ? files.map((blob) => ({ blob, kind, position })) : [],
  });
  if (outcome.state === 'sent') return { updated: outcome.result as ProblemDetail };
  if (outcome.state === 'queued') return { updated: null, message: t('outbox.savedOffline') };
  if (outcome.error.status === 409) return { updated: null, message: errorText(outcome.error) };
  return { updated: null, error: errorText(outcome.error) };
}

export function actionButtons(
  problem: ProblemDetail,
  onDone: (updated: ProblemDetail | null, message?: string) => void,
): HTMLElement {
  const p = problem.properties;
  const box = h('div', { class: 'actions', 'data-problem': p.id });
  const buttons = h('div', { class: 'action-buttons' });
  const form = h('div', { class: 'action-form' });
  const message = h('p', { class: 'error small', role: 'alert' });
  const setDisabled = (v: boolean) => {
    for (const b of box.querySelectorAll('button')) (b as HTMLButtonElement).disabled = v;
  };

  async function send(action: string, extra: Extra = {}, files: File[] = []): Promise<void> {
    message.textContent = '';
    setDisabled(true);
    const r = await sendTransition({ id: p.id, version: p.version }, action, extra, files);
    if (r.error) {
      message.textContent = r.error;
      setDisabled(false);
      return;
    }
    onDone(r.updated, r.message);
  }

  for (const action of p.allowed_actions) {
    const a = action as Action;
    const needsForm =
      NOTE_REQUIRED_ACTIONS.includes(a) ||
      DUE_AT_REQUIRED_ACTIONS.includes(a) ||
      DUPLICATE_OF_REQUIRED_ACTIONS.includes(a) ||
      PHOTO_ACTIONS[a] !== undefined;
    buttons.append(
      h(
        'button',
        {
          class: 'action',
          'data-action': action,
          onclick: () => {
            if (!needsForm) return void send(action);
            const note = h('textarea', { name: 'note', rows: 2, required: NOTE_REQUIRED_ACTIONS.includes(a) });
            const due = h('input', { type: 'datetime-local', name: 'due_at' }) as HTMLInputElement;
            const dup = h('input', { type: 'number', name: 'duplicate_of', min: 1 }) as HTMLInputElement;
            const photos: PhotoInput | null = PHOTO_ACTIONS[a]
              ? photoInput(`photos-${action}`, action === 'resolve' ? t('photo.after') : t('photo.recheck'))
              : null;
            const fields: HTMLElement[] = [h('label', {}, t('problem.note'), note)];
            if (DUE_AT_REQUIRED_ACTIONS.includes(a)) fields.push(h('label', {}, t('problem.newDue'), due));
            if (DUPLICATE_OF_REQUIRED_ACTIONS.includes(a)) fields.push(h('label', {}, t('problem.duplicateOf'), dup));
            if (photos) fields.push(photos.el);
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
                    void send(
                      action,
                      {
                        note: (note as HTMLTextAreaElement).value.trim() || undefined,
                        due_at: due.value ? fromShanghaiWall(due.value).toISOString() : undefined,
                        duplicate_of: dup.value ? Number(dup.value) : undefined,
                      },
                      photos?.files() ?? [],
                    ),
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
