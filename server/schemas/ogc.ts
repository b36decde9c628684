/** OGC API – Features, Part 1: Core (docs.ogc.org/is/17-069r4/17-069r4.html) documents. */
import { Type, type Static } from 'typebox';
import { AccessToken, BBoxParam } from './common.js';
import { ProblemFilterQuery } from './filters.js';

export const FormatQuery = Type.Object({
  f: Type.Optional(
    Type.Unsafe<'json' | 'html'>({
      type: 'string',
      enum: ['json', 'html'],
      description: 'json (default) or html; a browser sending Accept: text/html gets html',
    }),
  ),
  access_token: AccessToken,
});

const OgcLink = Type.Object({
  href: Type.String(),
  rel: Type.String(),
  type: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
});

export const LandingPage = Type.Object({
  title: Type.String(),
  description: Type.String(),
  links: Type.Array(OgcLink),
});

export const Conformance = Type.Object({ conformsTo: Type.Array(Type.String()) });

export const CollectionDoc = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  itemType: Type.String(),
  crs: Type.Array(Type.String()),
  extent: Type.Object({
    spatial: Type.Object({ bbox: Type.Array(Type.Array(Type.Number())), crs: Type.String() }),
    temporal: Type.Optional(
      Type.Object({ interval: Type.Array(Type.Array(Type.Union([Type.String(), Type.Null()]))), trs: Type.String() }),
    ),
  }),
  links: Type.Array(OgcLink),
});

export const CollectionsDoc = Type.Object({ links: Type.Array(OgcLink), collections: Type.Array(CollectionDoc) });

export const CollectionParams = Type.Object({ collectionId: Type.String({ maxLength: 40 }) });
export const ItemParams = Type.Object({
  collectionId: Type.String({ maxLength: 40 }),
  featureId: Type.String({ maxLength: 40 }),
});

/**
 * Items: bbox, limit, datetime (an instant, `start/end`, `../end` or `start/..`; on problems it is
 * reported_at), the shared problem filters, and `cursor` (the position a `next` link carries).
 */
export const ItemsQuery = Type.Object({
  ...FormatQuery.properties,
  ...ProblemFilterQuery.properties,
  bbox: Type.Optional(BBoxParam),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'items per page (default OGC_LIMIT_DEFAULT; larger than OGC_LIMIT_MAX is served as the maximum)',
    }),
  ),
  datetime: Type.Optional(
    Type.String({
      maxLength: 80,
      description: 'RFC 3339 instant or interval (start/end, ../end, start/..); problems: reported_at',
    }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'position of the page: follow the next link' })),
});
export type ItemsQuery = Static<typeof ItemsQuery>;

const AnyProperties = Type.Object({}, { additionalProperties: true });
export const OgcFeature = Type.Object(
  {
    type: Type.Literal('Feature'),
    id: Type.Union([Type.String(), Type.Number()]),
    geometry: Type.Unknown(),
    properties: AnyProperties,
    links: Type.Optional(Type.Array(OgcLink)),
  },
  { additionalProperties: true },
);

export const OgcFeatureCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(OgcFeature),
  numberMatched: Type.Integer(),
  numberReturned: Type.Integer(),
  timeStamp: Type.String({ format: 'date-time' }),
  links: Type.Array(OgcLink),
});
