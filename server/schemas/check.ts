/**
 * TypeBox `Value` checks for values that are not requests (the environment, the weights file):
 * one readable sentence per bad member, built from the schema's `description`, so a start-up
 * failure names the member and what it must be.
 */
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** The sub-schema at a JSON pointer such as `#/properties/weights/properties/A`. */
function schemaAt(root: TSchema, pointer: string): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const part of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
}

/** A member path as people write it: `weights.closure_rate`; the root is `value`. */
const pathOf = (instancePath: string): string => instancePath.slice(1).replaceAll('/', '.') || 'value';

export interface SchemaProblem {
  /** Instance path, e.g. `/PORT` or `/weights/speed`. */
  path: string;
  message: string;
}

/**
 * Every problem of `value` against `schema`, one per member: an unknown member is named with the
 * members the schema knows; any other failure reads "<member> must be <description>" (the
 * sub-schema's description, else TypeBox's message). Empty when the value is valid.
 */
export function schemaProblems(schema: TSchema, value: unknown): SchemaProblem[] {
  if (Value.Check(schema, value)) return [];
  const byPath = new Map<string, { schemaPath: string; problem: SchemaProblem }>();
  for (const e of Value.Errors(schema, value)) {
    // `additionalProperties: false` also reports each extra member as "schema is false".
    if (e.keyword === 'boolean') continue;
    if (e.keyword === 'additionalProperties') {
      const known = Object.keys((schemaAt(schema, e.schemaPath)?.properties as object | undefined) ?? {});
      const where = e.instancePath ? ` in ${pathOf(e.instancePath)}` : '';
      for (const name of (e.params as { additionalProperties: string[] }).additionalProperties) {
        const path = `${e.instancePath}/${name}`;
        byPath.set(path, {
          schemaPath: '',
          problem: { path, message: `unknown member "${name}"${where} (known: ${known.join(', ')})` },
        });
      }
      continue;
    }
    // A union reports each branch and then itself; the shortest schema path is the union's.
    const seen = byPath.get(e.instancePath);
    if (seen && seen.schemaPath.length <= e.schemaPath.length) continue;
    const description = schemaAt(schema, e.schemaPath)?.description;
    const message =
      typeof description === 'string'
        ? `${pathOf(e.instancePath)} must be ${description}`
        : `${pathOf(e.instancePath)} ${e.message}`;
    byPath.set(e.instancePath, { schemaPath: e.schemaPath, problem: { path: e.instancePath, message } });
  }
  return [...byPath.values()].map((v) => v.problem);
}
