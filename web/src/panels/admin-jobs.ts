/** Admin: the scheduled jobs — runner, schedule, last run, next run, last error, and "run now". */
import { api } from '../api.js';
import { h, render, showStatus } from '../dom.js';
import { formatDateTime, t } from '../i18n/index.js';

export async function renderJobs(root: HTMLElement): Promise<void> {
  const status = h('p', { class: 'small' });
  const { jobs } = await api.jobs();
  render(
    root,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'data', id: 'jobs-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...(['jobs.name', 'jobs.runner', 'jobs.schedule', 'jobs.last', 'jobs.next', 'jobs.error'] as const).map(
              (k) => h('th', {}, t(k)),
            ),
            h('th', {}),
          ),
        ),
        h(
          'tbody',
          {},
          ...jobs.map((j) =>
            h(
              'tr',
              { 'data-job': j.name },
              h('td', {}, j.name),
              h('td', {}, j.runner),
              h('td', {}, `${j.cron} (${j.time_zone})`),
              h(
                'td',
                {},
                j.last_run
                  ? `${formatDateTime(j.last_run.started_at)} ${t(j.last_run.ok ? 'jobs.ok' : 'jobs.failed')}`
                  : '—',
              ),
              h('td', {}, formatDateTime(j.next_run)),
              h(
                'td',
                { class: 'error small' },
                j.last_error ? `${formatDateTime(j.last_error.started_at)} ${j.last_error.error ?? ''}` : '—',
              ),
              h(
                'td',
                {},
                h(
                  'button',
                  {
                    onclick: () =>
                      void api
                        .runJob(j.name)
                        .then(() => showStatus(status, t('jobs.queued', { name: j.name }), 'good'))
                        .catch((err: Error) =>
                          showStatus(status, t('common.error', { message: err.message }), 'error'),
                        ),
                  },
                  t('jobs.run'),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    status,
  );
}
