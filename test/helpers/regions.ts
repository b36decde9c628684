/** Region features built in a test: a FeatureCollection, a square ring, a region Feature. */
export const asCollection = (...features: unknown[]) => ({ type: 'FeatureCollection', features });

/** One closed square ring of side `d` degrees from (x, y), as Polygon coordinates. */
export const square = (x: number, y: number, d = 0.01) => [
  [
    [x, y],
    [x + d, y],
    [x + d, y + d],
    [x, y + d],
    [x, y],
  ],
];

export const feature = (
  code: string,
  level: string,
  parent: string | null,
  coordinates: unknown,
  type = 'Polygon',
) => ({
  type: 'Feature',
  properties: { code, name: `区域${code}`, level, parent_code: parent },
  geometry: { type, coordinates },
});
