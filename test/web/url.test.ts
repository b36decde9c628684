import { describe, expect, it } from 'vitest';
import {
  defaultView,
  effectiveLevel,
  filtersToParams,
  formatHash,
  formatSearch,
  levelForZoom,
  parsePosition,
  parseView,
  sameFilters,
  EMPTY_FILTERS,
} from '../../web/src/state/url.js';

describe('web state/url', () => {
  it('round-trips filters, level, measure and position through the URL so a link reproduces the view', () => {
    const view = defaultView();
    view.filters = {
      group: ['06'],
      category: ['06010'],
      status: ['filed', 'dispatched'],
      source: ['hotline'],
      from: '2026-10-01',
      to: '2026-10-31',
      overdue: true,
      tag: '创卫',
      campaign: 7,
    };
    view.level = 'block';
    view.measure = 'on_time_rate';
    view.heat = false;
    view.position = { center: [113.08123, 28.23456], zoom: 12.5 };
    const search = formatSearch(view);
    const hash = formatHash(view.position);
    const back = parseView(search, hash);
    expect(back.filters).toEqual(view.filters);
    expect(back.level).toBe('block');
    expect(back.measure).toBe('on_time_rate');
    expect(back.heat).toBe(false);
    expect(back.position!.zoom).toBeCloseTo(12.5, 2);
    expect(back.position!.center[0]).toBeCloseTo(113.08123, 5);
    expect(back.position!.center[1]).toBeCloseTo(28.23456, 5);
  });

  it('writes nothing for the default view', () => {
    expect(formatSearch(defaultView())).toBe('');
    expect(formatHash(null)).toBe('');
  });

  it('drops malformed or unknown values instead of failing', () => {
    const v = parseView(
      '?status=filed,<script>&source=fax,citizen&from=yesterday&to=2026-13-45x&level=planet&measure=mood&tag=other&overdue=maybe',
      '#map=99/500/1',
    );
    expect(v.filters.status).toEqual(['filed']);
    expect(v.filters.source).toEqual(['citizen']);
    expect(v.filters.from).toBeNull();
    expect(v.filters.to).toBeNull();
    expect(v.filters.tag).toBeNull();
    expect(v.filters.overdue).toBe(false);
    expect(v.level).toBe('auto');
    expect(v.measure).toBe('open');
    expect(v.position).toBeNull();
  });

  it('sends the API filters in ProblemFilterQuery form (lists comma-separated, overdue=true)', () => {
    const q = filtersToParams({ ...EMPTY_FILTERS, status: ['reported', 'filed'], overdue: true, tag: '创文' });
    expect(q.get('status')).toBe('reported,filed');
    expect(q.get('overdue')).toBe('true');
    expect(q.get('tag')).toBe('创文');
    expect(q.has('group')).toBe(false);
    expect(filtersToParams({ ...EMPTY_FILTERS, overdue: true }, true).get('overdue')).toBe('1');
  });

  it('compares filter sets by what they select', () => {
    expect(sameFilters({ ...EMPTY_FILTERS }, { ...EMPTY_FILTERS })).toBe(true);
    expect(sameFilters({ ...EMPTY_FILTERS, status: ['filed'] }, { ...EMPTY_FILTERS })).toBe(false);
  });

  it('parses the map position from a hash with other members', () => {
    expect(parsePosition('#foo=1&map=10.00/28.20000/113.10000')).toEqual({ zoom: 10, center: [113.1, 28.2] });
  });

  it('follows the zoom: streets below 10, communities below 12, blocks from 12, unless a level is chosen', () => {
    expect(levelForZoom(9.9)).toBe('street');
    expect(levelForZoom(10)).toBe('community');
    expect(levelForZoom(11.99)).toBe('community');
    expect(levelForZoom(12)).toBe('block');
    expect(effectiveLevel('street', 15)).toBe('street');
    expect(effectiveLevel('auto', 15)).toBe('block');
  });
});
