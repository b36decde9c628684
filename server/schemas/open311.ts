/**
 * Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) request and response shapes. Field names are
 * the spec's; XML carries the same fields (see server/interop/open311/format.ts).
 */
import { Type, type Static } from 'typebox';
import { Crs, Nullable } from './common.js';
const DateTime = Type.String({ format: 'date-time' });

export const FormatParam = Type.Object({
  format: Type.Unsafe<'json' | 'xml'>({ type: 'string', enum: ['json', 'xml'], description: 'json or xml' }),
});
export const ServiceParams = Type.Object({ ...FormatParam.properties, code: Type.String({ maxLength: 20 }) });
export const RequestParams = Type.Object({
  ...FormatParam.properties,
  id: Type.Integer({ minimum: 1, description: 'service_request_id' }),
});
export const TokenParams = Type.Object({ ...FormatParam.properties, token: Type.String({ maxLength: 100 }) });

/** Spec errors: an array of { code, description }. */
export const Open311Errors = Type.Array(Type.Object({ code: Type.Integer(), description: Type.String() }), {
  $id: 'Open311Errors',
});
export const open311Errors = <S extends number>(...statuses: S[]): { [K in S]: typeof Open311Errors } =>
  Object.fromEntries(statuses.map((s) => [s, Open311Errors])) as { [K in S]: typeof Open311Errors };

export const Discovery = Type.Object({
  changeset: DateTime,
  contact: Type.String(),
  key_service: Type.String(),
  endpoints: Type.Array(
    Type.Object({
      specification: Type.String(),
      url: Type.String(),
      changeset: DateTime,
      type: Type.String(),
      formats: Type.Array(Type.String()),
    }),
  ),
});

export const Service = Type.Object({
  service_code: Type.String({ description: 'the national category code (GB/T 47678.5), or a local L-code' }),
  service_name: Type.String(),
  description: Type.String(),
  metadata: Type.Boolean({ description: 'true when the service asks extra attributes (see services/{code})' }),
  type: Type.String({ description: 'realtime: the request is in the workflow the moment it is posted' }),
  keywords: Type.String(),
  group: Type.String({ description: 'the category group (大类)' }),
});
export const Services = Type.Array(Service);

export const AttributeSchema = Type.Object({
  variable: Type.Boolean(),
  code: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }),
  datatype: Type.Unsafe<'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist'>({
    type: 'string',
    enum: ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'],
  }),
  required: Type.Boolean(),
  datatype_description: Type.String({ maxLength: 500 }),
  order: Type.Integer({ minimum: 0 }),
  description: Type.String({ maxLength: 500 }),
  values: Type.Optional(
    Type.Array(Type.Object({ key: Type.String({ maxLength: 100 }), name: Type.String({ maxLength: 200 }) }), {
      maxItems: 100,
    }),
  ),
});

export const ServiceDefinition = Type.Object({
  service_code: Type.String(),
  attributes: Type.Array(AttributeSchema),
});

export const ServiceAttributesBody = Type.Object(
  { attributes: Type.Array(AttributeSchema, { maxItems: 50 }) },
  { additionalProperties: false },
);
export type ServiceAttributesBody = Static<typeof ServiceAttributesBody>;

/**
 * POST requests: the spec's fields, form-urlencoded (as the spec says) or JSON. `attribute[CODE]`
 * keys carry the service's attributes. Extension: `crs` (wgs84 default; gcj02 for Amap / Tencent /
 * WeChat positions, bd09 for Baidu), converted to WGS84 before anything is stored.
 */
export const PostRequestBody = Type.Object(
  {
    api_key: Type.Optional(Type.String({ maxLength: 200 })),
    jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })),
    service_code: Type.String({ minLength: 1, maxLength: 20 }),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    long: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    crs: Type.Optional(Crs),
    address_string: Type.Optional(Type.String({ maxLength: 500 })),
    address_id: Type.Optional(Type.String({ maxLength: 100 })),
    email: Type.Optional(Type.String({ maxLength: 200 })),
    device_id: Type.Optional(Type.String({ maxLength: 200 })),
    account_id: Type.Optional(Type.String({ maxLength: 200 })),
    first_name: Type.Optional(Type.String({ maxLength: 100 })),
    last_name: Type.Optional(Type.String({ maxLength: 100 })),
    phone: Type.Optional(Type.String({ maxLength: 50 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    media_url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^https?://' })),
  },
  {
    additionalProperties: true,
    examples: [
      {
        api_key: 'pmk_…',
        service_code: '06010',
        lat: 28.2456,
        long: 113.0834,
        address_string: '星沙大道与开元路口',
        description: '路边垃圾堆积',
        media_url: 'https://12345.example.gov.cn/media/abc.jpg',
        phone: '13800000000',
        'attribute[amount]': 'large',
      },
    ],
  },
);
export type PostRequestBody = Static<typeof PostRequestBody>;

export const PostRequestResponse = Type.Array(
  Type.Object({
    service_request_id: Type.String(),
    token: Type.String({ description: 'a receipt: GET tokens/{token} gives the request id' }),
    service_notice: Type.String(),
    account_id: Nullable(Type.String()),
  }),
);

export const ListRequestsQuery = Type.Object({
  api_key: Type.Optional(Type.String({ maxLength: 200 })),
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })),
  service_request_id: Type.Optional(
    Type.String({ pattern: '^[0-9]+(,[0-9]+)*$', description: 'comma list; overrides the other filters' }),
  ),
  service_code: Type.Optional(Type.String({ pattern: '^[^,]+(,[^,]+)*$', description: 'comma list' })),
  start_date: Type.Optional(DateTime),
  end_date: Type.Optional(DateTime),
  status: Type.Optional(
    Type.String({ pattern: '^(open|closed)(,(open|closed))*$', description: 'open, closed or both (comma list)' }),
  ),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'extension: page number' })),
  page_size: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, default: 1000, description: 'extension: requests per page' }),
  ),
});
export type ListRequestsQuery = Static<typeof ListRequestsQuery>;
export const KeyQuery = Type.Object({
  api_key: Type.Optional(Type.String({ maxLength: 200 })),
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })),
});

export const Note = Type.Object({ datetime: DateTime, description: Type.String(), type: Type.String() });

export const ServiceRequest = Type.Object({
  service_request_id: Type.String(),
  status: Type.Unsafe<'open' | 'closed'>({ type: 'string', enum: ['open', 'closed'] }),
  status_notes: Nullable(Type.String()),
  service_name: Type.String(),
  service_code: Type.String(),
  description: Type.String(),
  agency_responsible: Type.String({ description: 'the department (条) that handles the category' }),
  service_notice: Nullable(Type.String()),
  requested_datetime: DateTime,
  updated_datetime: DateTime,
  expected_datetime: Nullable(DateTime),
  address: Nullable(Type.String()),
  address_id: Nullable(Type.String()),
  zipcode: Nullable(Type.String()),
  lat: Type.Number(),
  long: Type.Number(),
  media_url: Nullable(Type.String()),
  notes: Type.Array(Note, { description: 'extension: the update history, oldest first' }),
});
export type ServiceRequest = Static<typeof ServiceRequest>;
export const ServiceRequests = Type.Array(ServiceRequest);

export const TokenResponse = Type.Array(Type.Object({ service_request_id: Type.String(), token: Type.String() }));
