import { describe, expect, it } from 'vitest';
import { colourClasses, fillColourExpression, legendRows, NO_DATA_COLOUR } from '../../web/src/map/scale.js';
import { bboxOf, maskOutside, signedArea } from '../../web/src/map/mask.js';
import { baseStyle, basemapKind } from '../../web/src/map/style.js';
import { sortByDeadline } from '../../web/src/panels/manager-list.js';
import { seriesPoints } from '../../web/src/panels/trend-chart.js';
import { reportRows } from '../../web/src/panels/admin-imports.js';
import { monthRange } from '../../web/src/panels/admin-calendar.js';

const square = (x: number, y: number, s: number, ccw = true): GeoJSON.Feature<GeoJSON.Polygon> => {
  const ring = [
    [x, y],
    [x + s, y],
    [x + s, y + s],
    [x, y + s],
    [x, y],
  ];
  return {
    type: 'Feature',
    properties: { code: 'x' },
    geometry: { type: 'Polygon', coordinates: [ccw ? ring : [...ring].reverse()] },
  };
};

describe('web map scale', () => {
  it('gives zero its own class and splits positive counts at quantiles', () => {
    const classes = colourClasses('open', [0, 0, 1, 2, 3, 5, 8, 13, 21, 34, 55, null]);
    expect(classes[0].min).toBe(0);
    expect(classes[1].min).toBe(1);
    const mins = classes.map((c) => c.min);
    expect([...mins].sort((a, b) => a - b)).toEqual(mins);
    expect(new Set(mins).size).toBe(mins.length);
    expect(classes.length).toBeGreaterThanOrEqual(4);
  });

  it('uses fixed grading breaks for rates, worst in red', () => {
    const classes = colourClasses('on_time_rate', [0.5, 0.99]);
    expect(classes.map((c) => c.min)).toEqual([0, 0.6, 0.75, 0.9, 0.97]);
    expect(classes[0].colour).toBe('#b2182b');
  });

  it('colours regions without a number grey', () => {
    const expr = fillColourExpression(colourClasses('open', [1, 2]));
    expect(expr[0]).toBe('step');
    expect(expr[2]).toBe(NO_DATA_COLOUR);
  });

  it('labels legend ranges without overlap', () => {
    const rows = legendRows(
      [
        { min: 0, colour: 'a' },
        { min: 1, colour: 'b' },
        { min: 5, colour: 'c' },
      ],
      'open',
      String,
    );
    expect(rows.map((r) => r.label)).toEqual(['0', '1 – 4', '≥ 5']);
  });
});

describe('web map mask', () => {
  it('cuts each area out of a world polygon, holes wound against the shell', () => {
    const input = [square(113, 28, 0.01), square(113.02, 28, 0.01, false)];
    const copy = JSON.parse(JSON.stringify(input));
    const mask = maskOutside(input);
    const [shell, ...holes] = mask.geometry.coordinates;
    expect(holes).toHaveLength(2);
    expect(signedArea(shell)).toBeGreaterThan(0);
    for (const hole of holes) expect(signedArea(hole)).toBeLessThan(0);
    expect(input).toEqual(copy);
  });

  it('computes the bbox of features, null when empty', () => {
    const box = bboxOf([square(113, 28, 0.01), square(113.02, 28.05, 0.01)])!;
    [113, 28, 113.03, 28.06].forEach((v, i) => expect(box[i]).toBeCloseTo(v, 9));
    expect(bboxOf([])).toBeNull();
  });
});

describe('web map style', () => {
  it('is offline by default: no source and no glyphs URL that would reach the network', () => {
    const style = baseStyle({ basemap: { tianditu_key: null, url: null } });
    expect(basemapKind({ basemap: { tianditu_key: null, url: null } })).toBe('offline');
    expect(style.sources).toEqual({});
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
  });

  it('uses Tianditu vector + labels with its attribution when a key is set', () => {
    const style = baseStyle({ basemap: { tianditu_key: 'abc', url: null } });
    const sources = Object.values(style.sources) as { tiles: string[]; attribution: string }[];
    expect(sources).toHaveLength(2);
    expect(sources[0].tiles[0]).toContain('vec_w/wmts');
    expect(sources[0].tiles[0]).toContain('tk=abc');
    expect(sources[1].tiles[0]).toContain('LAYER=cva');
    expect(sources[0].attribution).toBe('© 天地图');
  });

  it('uses any XYZ raster from BASEMAP_URL', () => {
    const style = baseStyle({ basemap: { tianditu_key: null, url: 'http://tiles.local/{z}/{x}/{y}.png' } });
    expect((Object.values(style.sources)[0] as { tiles: string[] }).tiles).toEqual([
      'http://tiles.local/{z}/{x}/{y}.png',
    ]);
  });
});

describe('web panels (pure parts)', () => {
  it('sorts a work list by deadline, items without one last', () => {
    const items = [
      { id: 1, due_at: null },
      { id: 2, due_at: '2026-11-28T00:00:00Z' },
      { id: 3, due_at: '2026-11-27T00:00:00Z' },
    ];
    expect(sortByDeadline(items).map((i) => i.id)).toEqual([3, 2, 1]);
    expect(items.map((i) => i.id)).toEqual([1, 2, 3]);
  });

  it('scales trend points into the plot box', () => {
    expect(seriesPoints([0, 5, 10], 100, 50, 10)).toBe('0.0,50.0 50.0,25.0 100.0,0.0');
  });

  it('finds the row-level report in a refusal wherever the server put it', () => {
    const rows = [{ line: 3, reason: 'outside every block' }];
    expect(reportRows({ error: { code: 'X', message: 'm', details: { rejected: rows } } })).toEqual(rows);
    expect(reportRows({ error: { code: 'X', message: 'm', details: rows } })).toEqual(rows);
    expect(reportRows({ created: 0, rejected: rows })).toEqual(rows);
    expect(reportRows({ error: { code: 'X', message: 'm' } })).toEqual([]);
  });

  it('knows month lengths, leap years included', () => {
    expect(monthRange('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(monthRange('2026-11')).toEqual({ from: '2026-11-01', to: '2026-11-30' });
  });
});
