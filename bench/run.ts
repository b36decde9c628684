/**
 * Runs the benchmark suite: every `bench/*.ts` except this file and `lib.ts`, one after another
 * (they share the two cores, so never in parallel), each in its own process, then prints a summary:
 * how each bench ended, and a table of the headline figures each recorded with `figure()`
 * (bench/lib.ts), each with the command that reproduces it, ready to paste into bench/README.md.
 *
 *   npm run bench                      # all benches
 *   npm run bench -- import-csv stats  # only these, in the order given
 *   npm run bench -- --size S|L        # the scale bench (bench/scale.ts) on PostgreSQL, DATABASE_URL's server
 *   npm run bench -- --embedded        # the scale bench on PGlite at S (EMBEDDED_DATA_DIR)
 *
 * Environment variables (BENCH_DATABASE_URL, PROBLEMS, RUNS, IMPORT_ROWS, EXPORT_ROWS, FILTER,
 * DATA_DIR …) pass through to every bench; see each file's header and bench/README.md. The load
 * average is printed for each bench: figures taken while other work runs are slower.
 * Exit code 1 when any bench fails or misses its target.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const NOT_BENCHES = new Set(['run', 'lib', 'autocannon.d']);
/** The suite's order (the figures the README lists, in its order); any other bench follows, by name. */
const ORDER = ['import-csv', 'stats', 'tiles', 'hotspots', 'export-csv', 'web-first-load'];
const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => basename(f, '.ts'))
  .filter((n) => !NOT_BENCHES.has(n))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
// `--size S|L`: the scale bench (bench/scale.ts) at that size, alone unless benches are named too;
// `--embedded`: the same on PGlite (size S, the default then), in EMBEDDED_DATA_DIR.
const argv = process.argv.slice(2);
const embeddedAt = argv.indexOf('--embedded');
if (embeddedAt >= 0) {
  process.env.BENCH_EMBEDDED = '1';
  argv.splice(embeddedAt, 1);
  if (!argv.includes('--size')) argv.push('--size', 'S');
}
const sizeAt = argv.indexOf('--size');
if (sizeAt >= 0) {
  const size = argv[sizeAt + 1];
  if (size !== 'S' && size !== 'L') {
    console.error('--size takes S (2,000 blocks / 200,000 problems) or L (20,000 / 2,000,000)');
    process.exit(2);
  }
  if (size === 'L' && process.env.BENCH_EMBEDDED === '1') {
    console.error('--embedded runs at size S only (PGlite holds one county, not a province)');
    process.exit(2);
  }
  process.env.BENCH_SIZE = size;
  argv.splice(sizeAt, 2);
  if (argv.length === 0) argv.push('scale');
}
const wanted = argv.map((a) => a.replace(/\.ts$/, ''));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown bench(es): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
// The scale bench seeds hundreds of thousands of problems: only when asked for (--size or by name).
const selected = wanted.length > 0 ? wanted : all.filter((n) => n !== 'scale');
const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
const scratch = mkdtempSync(join(tmpdir(), 'pm-bench-'));
const figuresFile = join(scratch, 'figures.jsonl');

interface Outcome {
  name: string;
  code: number | null;
  seconds: number;
  /** 1-minute load average when the bench started and when it ended. */
  load: [number, number];
}

/** One line of BENCH_FIGURES, as bench/lib.ts `figure()` writes it. */
interface Figure {
  bench: string;
  name: string;
  value: string;
  command: string;
}

function runBench(name: string): Promise<Outcome> {
  return new Promise((resolve) => {
    console.log(`\n=== ${name} ===`);
    const started = performance.now();
    const loadBefore = loadavg()[0];
    const child = spawn(tsx, [join(here, `${name}.ts`)], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, BENCH_FIGURES: figuresFile },
    });
    child.on('close', (code) =>
      resolve({ name, code, seconds: (performance.now() - started) / 1000, load: [loadBefore, loadavg()[0]] }),
    );
  });
}

const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
const startedAt = new Date();
const loadBefore = loadNow();
console.log(`${startedAt.toISOString()} on ${hostname()}, ${cpus().length} cores; load average before: ${loadBefore}`);

const outcomes: Outcome[] = [];
for (const name of selected) outcomes.push(await runBench(name));

let figures: Figure[] = [];
try {
  figures = readFileSync(figuresFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Figure);
} catch {
  // No bench got as far as a figure: the file was never written.
}
rmSync(scratch, { recursive: true, force: true });

const date = startedAt.toISOString().slice(0, 10);
console.log('\n=== summary ===');
console.log(`${date}, ${cpus().length} cores; load average before ${loadBefore}, after ${loadNow()}`);
for (const o of outcomes)
  console.log(
    `${o.code === 0 ? 'ok  ' : 'FAIL'} ${o.name.padEnd(16)} ${o.seconds.toFixed(1).padStart(6)} s  load ${o.load[0].toFixed(1)} → ${o.load[1].toFixed(1)}`,
  );
const cell = (s: string) => s.replace(/\|/g, '\\|');
const machine = (bench: string) => {
  const o = outcomes.find((x) => x.name === bench);
  return `${cpus().length} cores${o ? `, load ${o.load[0].toFixed(1)} → ${o.load[1].toFixed(1)}` : ''}`;
};
console.log('\n| figure | value | command | date | machine |\n|---|---|---|---|---|');
for (const f of figures)
  console.log(`| ${cell(f.name)} | ${cell(f.value)} | \`${cell(f.command)}\` | ${date} | ${machine(f.bench)} |`);
process.exit(outcomes.every((o) => o.code === 0) ? 0 : 1);
