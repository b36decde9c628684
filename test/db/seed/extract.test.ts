import { describe, it, expect } from 'vitest';
import { decodeEchartsGeoJson } from '../../../db/seed/extract.js';

/** Encode a ring the way echarts' map tools do (zig-zag deltas + 64, scale 1024). */
function encodeRing(ring: [number, number][]): {
  text: string;
  offset: [number, number];
} {
  const ints = ring.map(([x, y]) => [Math.round(x * 1024), Math.round(y * 1024)]);
  const zigzag = (v: number) => (v << 1) ^ (v >> 31);
  let [px, py] = ints[0];
  let text = '';
  for (const [x, y] of ints) {
    text += String.fromCharCode(zigzag(x - px) + 64, zigzag(y - py) + 64);
    [px, py] = [x, y];
  }
  return { text, offset: ints[0] as [number, number] };
}

describe('decodeEchartsGeoJson', () => {
  const ring: [number, number][] = [
    [113.0859375, 28.126953125],
    [113.0849609375, 28.126953125],
    [113.080078125, 28.1318359375],
    [113.0859375, 28.126953125],
  ];

  it('decodes UTF8Encoding compressed polygons back to degrees', () => {
    const { text, offset } = encodeRing(ring);
    const encoded = {
      type: 'FeatureCollection' as const,
      UTF8Encoding: true,
      features: [
        {
          type: 'Feature' as const,
          id: '1',
          properties: {},
          geometry: {
            type: 'Polygon' as const,
            coordinates: [text],
            encodeOffsets: [offset],
          },
        },
      ],
    };
    const decoded = decodeEchartsGeoJson(encoded);
    expect(decoded.UTF8Encoding).toBe(false);
    expect(decoded.features[0].geometry.coordinates).toEqual([ring]);
    expect(encoded.features[0].geometry.coordinates).toEqual([text]); // input untouched
  });

  it('returns plain (already decoded) collections unchanged', () => {
    const plain = {
      type: 'FeatureCollection' as const,
      UTF8Encoding: false,
      features: [
        {
          type: 'Feature' as const,
          id: '1',
          properties: {},
          geometry: { type: 'Polygon' as const, coordinates: [ring] },
        },
      ],
    };
    expect(decodeEchartsGeoJson(plain)).toBe(plain);
  });
});
