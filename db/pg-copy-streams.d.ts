/** The two functions of pg-copy-streams this project uses (the package ships no types). */
declare module 'pg-copy-streams' {
  import type { Readable, Writable } from 'node:stream';
  import type { Submittable } from 'pg';
  export function from(text: string): Writable & Submittable;
  export function to(text: string): Readable & Submittable;
}

/** node-postgres' conversion of a parameter value to the text it sends (untyped upstream). */
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): string | Buffer | null };
  export default utils;
}
