/** API keys for intake systems (admin only). The key itself is shown once, when it is created. */
import { Type, type Static } from 'typebox';

export const IntakeSourceSchema = Type.Unsafe<'inspection' | 'citizen' | 'hotline' | 'other'>({
  type: 'string',
  enum: ['inspection', 'citizen', 'hotline', 'other'],
  description: 'source recorded on problems this key reports: hotline (12345), citizen (市民), inspection, other',
});

export const ApiKey = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  user_id: Type.Integer({ description: 'the key acts as this user: same role and scope' }),
  username: Type.String(),
  key_prefix: Type.String({ description: 'first characters of the key, to tell keys apart' }),
  source: IntakeSourceSchema,
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ApiKey = Static<typeof ApiKey>;

export const ApiKeysResponse = Type.Object({ api_keys: Type.Array(ApiKey) });

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'who uses it, e.g. 12345 热线' }),
    user_id: Type.Integer({ minimum: 1 }),
    source: Type.Optional(IntakeSourceSchema),
  },
  { additionalProperties: false, examples: [{ name: '12345 热线平台', user_id: 7, source: 'hotline' }] },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const CreatedApiKey = Type.Object({
  ...ApiKey.properties,
  key: Type.String({ description: 'the secret: shown only now; send as api_key, X-API-Key or Authorization: Bearer' }),
});
