/** Region rules a request must satisfy, shared by the stats, rankings and export routes. */
import { AppError } from '../errors.js';
import { CODE_LENGTH, type RegionLevel } from '../../domain/regions.js';

/** Throws BAD_REQUEST unless `parent` (when given) is a code above `level` (shorter than its codes). */
export function checkParentAboveLevel(parent: string | null, level: RegionLevel): void {
  if (parent && parent.length >= CODE_LENGTH[level])
    throw new AppError('BAD_REQUEST', `parent ${parent} is not above level ${level}`);
}
