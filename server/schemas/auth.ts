/** Login, logout and the signed-in user. */
import { Type, type Static } from 'typebox';

export const RoleSchema = Type.Union(
  [
    Type.Literal('admin'),
    Type.Literal('leader'),
    Type.Literal('manager'),
    Type.Literal('inspector'),
    Type.Literal('department'),
  ],
  {
    description: 'admin | leader (reads everything) | manager (own regions) | inspector | department (own categories)',
  },
);

/** A user as every signed-in caller may see themself. `scope`: region codes (managers only). */
export const PublicUser = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  display_name: Type.String(),
  role: RoleSchema,
  scope: Type.Array(Type.String()),
  department: Type.Union([Type.String(), Type.Null()]),
});
export type PublicUser = Static<typeof PublicUser>;

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false, examples: [{ username: 'manager', password: 'demo-manager-2026' }] },
);
export type LoginBody = Static<typeof LoginBody>;

export const LoginResponse = Type.Object({
  token: Type.String({ description: 'send as Authorization: Bearer <token>' }),
  expires_at: Type.String({ format: 'date-time' }),
  user: PublicUser,
});

export const LogoutResponse = Type.Object({ revoked: Type.Boolean() });
