/**
 * Reproducible randomness for tests: a small seeded PRNG (mulberry32) and an unbiased
 * Fisher–Yates shuffle. A test prints its seed; `TEST_SEED=<n>` replays a run.
 */

/** The seed for this run: TEST_SEED when set, else a fresh one (print it). */
export function testSeed(): number {
  const fromEnv = process.env.TEST_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
      throw new Error(`TEST_SEED must be an integer 0…2^32-1, got ${fromEnv}`);
    return n;
  }
  return Math.floor(Math.random() * 0x100000000);
}

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy of `items` (Fisher–Yates: every order equally likely); the input is not changed. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
