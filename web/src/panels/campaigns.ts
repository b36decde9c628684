/**
 * The campaign page (集中攻坚): the list of campaigns touching the caller's area, a form for
 * leaders and admins, and one campaign's progress — targets per unit, the 红黑榜, overdue items
 * by unit, the burn-down and the comparison with the previous period (ECharts), a link that shows
 * its problems on the map (the `campaign` filter), and the bulletin downloads (Word, Excel).
 * Works at 390 px: tables scroll sideways inside their box.
 */
import { api, download, type Campaign, type CampaignBody, type CampaignProgress, type PublicUser } from '../api.js';
import { h, render, select, showStatus } from '../dom.js';
import { formatNumber, formatPercent, t, type MessageKey } from '../i18n/index.js';
import { burnDownOption, chartElement, compareOption } from './charts.js';

type Level = 'street' | 'community' | 'block';
const csv = (v: string) =>
  v
    .split(/[,，\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function createForm(onCreated: (c: Campaign) => void): HTMLElement {
  const status = h('p', { class: 'small', id: 'campaign-form-status' });
  const input = (name: string, label: MessageKey, type = 'text', value = '') =>
    h('label', {}, t(label), h('input', { name, type, value }));
  const form = h(
    'form',
    { class: 'campaign-form', id: 'campaign-form' },
    h('h2', {}, t('campaign.new')),
    input('name', 'campaign.name'),
    input('kind', 'campaign.kind'),
    input('period_from', 'campaign.from', 'date'),
    input('period_to', 'campaign.to', 'date'),
    input('category_groups', 'campaign.groups'),
    input('categories', 'campaign.categories'),
    input('regions', 'campaign.regions'),
    input('lead_department', 'campaign.lead'),
    input('responsible_streets', 'campaign.streets'),
    input('target_closure', 'campaign.targetClosure', 'number', '90'),
    input('target_overdue', 'campaign.targetOverdue', 'number', '0'),
    h('button', { type: 'submit', class: 'primary', id: 'campaign-create' }, t('campaign.create')),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const v = (k: string) => String(f.get(k) ?? '').trim();
    const targets: CampaignBody['targets'] = [];
    if (v('target_closure')) targets.push({ kind: 'closure_rate', threshold: Number(v('target_closure')) / 100 });
    if (v('target_overdue')) targets.push({ kind: 'overdue', threshold: Number(v('target_overdue')) });
    const body: CampaignBody = {
      name: v('name'),
      kind: v('kind'),
      period_from: v('period_from'),
      period_to: v('period_to'),
      category_groups: csv(v('category_groups')),
      categories: csv(v('categories')),
      regions: csv(v('regions')),
      lead_department: v('lead_department') || null,
      responsible_streets: csv(v('responsible_streets')),
      targets,
    };
    api
      .createCampaign(body)
      .then((c) => {
        showStatus(status, t('campaign.created', { name: c.name }), 'good');
        onCreated(c);
      })
      .catch((err: Error) => showStatus(status, t('common.error', { message: err.message }), 'error'));
  });
  return form;
}

function targetCell(r: CampaignProgress['targets'][number]): HTMLElement {
  const rate = ['closure_rate', 'on_time_rate', 'rework_rate', 'point_pass_rate', 'inspection_coverage'].includes(
    r.kind,
  );
  const fmt = (x: number | null) => (rate ? formatPercent(x) : formatNumber(x));
  const label =
    r.status === 'pending'
      ? t('campaign.pending')
      : r.status === 'no_data'
        ? t('campaign.noData')
        : `${fmt(r.value)} ${t(r.status === 'met' ? 'campaign.met' : 'campaign.missed')}`;
  return h('td', { class: `target ${r.status}`, 'data-kind': r.kind }, label);
}

function unitTable(units: CampaignProgress['units'], targets: CampaignProgress['targets'], id: string): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'data', id },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, t('campaign.rank')),
          h('th', {}, t('campaign.unit')),
          h('th', {}, t('panel.open')),
          h('th', {}, t('panel.overdue')),
          h('th', {}, t('target.closure_rate')),
          h('th', {}, t('campaign.score')),
          ...targets.map((x) => h('th', {}, t(`target.${x.kind}` as MessageKey))),
        ),
      ),
      h(
        'tbody',
        {},
        ...units.map((u) =>
          h(
            'tr',
            { 'data-code': u.code },
            h('td', {}, u.rank ?? '—'),
            h('td', {}, u.name),
            h('td', { class: 'num' }, formatNumber(u.open)),
            h('td', { class: 'num' }, formatNumber(u.overdue)),
            h('td', { class: 'num' }, formatPercent(u.closure_rate)),
            h('td', { class: 'num' }, u.score === null ? '—' : u.score.toFixed(2)),
            ...u.targets.map(targetCell),
          ),
        ),
      ),
    ),
  );
}

async function showProgress(box: HTMLElement, c: Campaign, level: Level, onMap: (c: Campaign) => void): Promise<void> {
  render(box, h('p', { class: 'muted' }, t('common.loading')));
  const p = await api.campaignProgress(c.id, level);
  const width = Math.min(560, Math.max(300, box.clientWidth - 16));
  const tot = p.totals;
  const prev = (k: 'filed' | 'closed' | 'overdue' | 'open') => tot[k] - (tot.change[k] ?? 0);
  render(
    box,
    h('h2', { id: 'campaign-name', 'data-id': c.id }, c.name, h('span', { class: 'muted small' }, ` · ${c.kind}`)),
    h(
      'p',
      { class: 'muted small' },
      t('campaign.period', { from: c.period_from, to: c.period_to }),
      c.lead_department ? ` · ${t('campaign.lead')}：${c.lead_department}` : '',
    ),
    h(
      'div',
      { class: 'row wrap' },
      h('button', { id: 'campaign-on-map', onclick: () => onMap(c) }, t('campaign.onMap')),
      h(
        'button',
        {
          id: 'campaign-bulletin-docx',
          onclick: () => void download(`/api/campaigns/${c.id}/bulletin.docx`, `bulletin-${c.id}.docx`),
        },
        t('campaign.bulletinDocx'),
      ),
      h(
        'button',
        { onclick: () => void download(`/api/campaigns/${c.id}/bulletin.xlsx`, `bulletin-${c.id}.xlsx`) },
        t('campaign.bulletinXlsx'),
      ),
    ),
    h(
      'div',
      { class: 'stats', id: 'campaign-totals', 'data-open': tot.open, 'data-overdue': tot.overdue },
      h('div', { class: 'stat' }, h('b', {}, formatNumber(tot.open)), h('span', {}, t('panel.open'))),
      h('div', { class: 'stat warn' }, h('b', {}, formatNumber(tot.overdue)), h('span', {}, t('panel.overdue'))),
      h(
        'div',
        { class: 'stat good' },
        h('b', {}, formatPercent(tot.closure_rate)),
        h('span', {}, t('target.closure_rate')),
      ),
    ),
    h('h3', {}, t('campaign.targets')),
    h(
      'table',
      { class: 'data', id: 'campaign-targets' },
      h(
        'tbody',
        {},
        ...p.targets.map((x) => h('tr', {}, h('th', {}, t(`target.${x.kind}` as MessageKey)), targetCell(x))),
      ),
    ),
    h('h3', {}, t('campaign.burnDown')),
    chartElement(
      burnDownOption(p.burn_down, { open: t('campaign.open'), ideal: t('campaign.ideal') }),
      'burn-down',
      width,
      220,
    ),
    h('h3', {}, t('campaign.trend')),
    chartElement(
      compareOption(
        (['filed', 'closed', 'overdue', 'open'] as const).map((k) => ({
          label:
            k === 'filed'
              ? t('panel.reported')
              : k === 'closed'
                ? t('panel.closedShort')
                : t(`panel.${k}` as MessageKey),
          current: tot[k],
          previous: prev(k),
        })),
        { current: t('campaign.current'), previous: t('campaign.previous') },
      ),
      'compare',
      width,
      200,
    ),
    h(
      'div',
      { class: 'row wrap' },
      h('h3', {}, t('campaign.units')),
      select(
        (['street', 'community', 'block'] as const).map((l) => [l, t(`level.${l}` as MessageKey)]),
        level,
        (v) => void showProgress(box, c, v as Level, onMap),
        { id: 'campaign-level' },
      ),
    ),
    unitTable(p.units, p.targets, 'campaign-units'),
    h(
      'div',
      { class: 'red-black' },
      h(
        'div',
        { class: 'red-list' },
        h('h3', {}, t('campaign.red')),
        h('ol', { id: 'campaign-red' }, ...p.red.map((u) => h('li', {}, u.name, ` ${u.score?.toFixed(2) ?? ''}`))),
      ),
      h(
        'div',
        { class: 'black-list' },
        h('h3', {}, t('campaign.black')),
        h('ol', { id: 'campaign-black' }, ...p.black.map((u) => h('li', {}, u.name, ` ${u.score?.toFixed(2) ?? ''}`))),
      ),
    ),
    h('h3', {}, t('campaign.overdueByUnit')),
    p.overdue_by_unit.length
      ? h(
          'ul',
          { class: 'bars', id: 'campaign-overdue' },
          ...p.overdue_by_unit.map((u) =>
            h(
              'li',
              {},
              h('span', { class: 'bar-label' }, u.name),
              h('span', { class: 'bar-value' }, formatNumber(u.overdue)),
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('panel.none')),
  );
}

export interface CampaignPageOptions {
  user: PublicUser;
  /** Opens the map with the campaign filter. */
  onMap: (c: Campaign) => void;
}

export async function renderCampaigns(root: HTMLElement, opts: CampaignPageOptions): Promise<void> {
  const list = h('ul', { class: 'campaign-list', id: 'campaign-list' });
  const detail = h('section', { class: 'campaign-detail', id: 'campaign-detail' });
  const canEdit = opts.user.role === 'admin' || opts.user.role === 'leader';
  const load = async (select?: number) => {
    const { campaigns } = await api.campaigns();
    render(
      list,
      ...(campaigns.length
        ? campaigns.map((c) =>
            h(
              'li',
              {},
              h(
                'button',
                { class: 'link', 'data-id': c.id, onclick: () => void showProgress(detail, c, 'street', opts.onMap) },
                c.name,
              ),
              h('span', { class: 'muted small' }, ` ${c.period_from} – ${c.period_to}`),
            ),
          )
        : [h('li', { class: 'muted' }, t('campaign.none'))]),
    );
    const chosen = campaigns.find((c) => c.id === select) ?? campaigns[0];
    if (chosen) await showProgress(detail, chosen, 'street', opts.onMap);
  };
  render(
    root,
    h(
      'main',
      { class: 'campaigns' },
      h(
        'aside',
        { class: 'campaign-side' },
        h('h1', {}, t('campaign.title')),
        list,
        h(
          'button',
          { class: 'link', onclick: () => void download('/api/bulletins/county.docx', 'county-bulletin.docx') },
          t('campaign.countyBulletin'),
        ),
        canEdit ? createForm((c) => void load(c.id)) : null,
      ),
      detail,
    ),
  );
  await load();
}
