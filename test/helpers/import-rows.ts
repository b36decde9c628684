/**
 * Generated import rows for the import tests: the i-th point of a deterministic spread over the
 * test blocks, strictly inside its block's box (never on an edge), so its block is known without
 * asking the code under test.
 */
import { BLOCKS } from './world.js';

export function pointInBlock(i: number): { block: (typeof BLOCKS)[number]; lon: number; lat: number } {
  const block = BLOCKS[i % BLOCKS.length];
  const fx = 0.05 + 0.9 * (((i * 7919) % 1000) / 1000);
  const fy = 0.05 + 0.9 * (((i * 104729) % 997) / 997);
  return {
    block,
    lon: block.box[0] + fx * (block.box[2] - block.box[0]),
    lat: block.box[1] + fy * (block.box[3] - block.box[1]),
  };
}
