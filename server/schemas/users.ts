/** User administration (admin only). Passwords go in, hashes never come out. */
import { Type, type Static } from 'typebox';
import { RegionCode } from './common.js';
import { PublicUser, RoleSchema } from './auth.js';

/** What an admin sees of a user: the public fields plus account state. */
export const AdminUser = Type.Object({
  ...PublicUser.properties,
  active: Type.Boolean(),
  demo: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
});
export type AdminUser = Static<typeof AdminUser>;

export const UsersResponse = Type.Object({ users: Type.Array(AdminUser) });

const Password = Type.String({ minLength: 8, maxLength: 1024, description: 'at least 8 characters' });
const Scope = Type.Array(RegionCode, {
  maxItems: 500,
  uniqueItems: true,
  description: 'region codes a manager is responsible for',
});
const DisplayName = Type.String({ minLength: 1, maxLength: 100 });
const Department = Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]);

export const CreateUserBody = Type.Object(
  {
    username: Type.String({ pattern: '^[A-Za-z0-9_.@-]{2,64}$' }),
    display_name: DisplayName,
    role: RoleSchema,
    scope: Type.Optional(Scope),
    department: Type.Optional(Department),
    password: Password,
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const PatchUserBody = Type.Object(
  {
    display_name: Type.Optional(DisplayName),
    role: Type.Optional(RoleSchema),
    scope: Type.Optional(Scope),
    department: Type.Optional(Department),
    active: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchUserBody = Static<typeof PatchUserBody>;
