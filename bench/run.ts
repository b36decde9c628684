/**
 * Runs the benchmark suite: every `bench/*.ts` except this file, one after another (they share the
 * two cores, so never in parallel), each in its own process, then prints a summary with each
 * bench's last line — by convention the headline figure.
 *
 *   npm run bench                      # all benches
 *   npm run bench -- import-csv stats  # only these
 *
 * Environment variables (BENCH_DATABASE_URL, ROWS, RUNS, PROBLEMS …) pass through to every bench;
 * see each file's header and bench/README.md. Exit code 1 when any bench fails or misses its target.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).map((a) => a.replace(/\.ts$/, ''));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => basename(f, '.ts'))
  .sort();
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown bench(es): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? wanted : all;
const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');

interface Outcome {
  name: string;
  code: number | null;
  seconds: number;
  last: string;
}

function runBench(name: string): Promise<Outcome> {
  return new Promise((resolve) => {
    console.log(`\n=== ${name} ===`);
    const started = performance.now();
    const child = spawn(tsx, [join(here, `${name}.ts`)], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let last = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      if (lines.length > 0) last = lines[lines.length - 1];
    });
    child.on('close', (code) => resolve({ name, code, seconds: (performance.now() - started) / 1000, last }));
  });
}

const outcomes: Outcome[] = [];
for (const name of selected) outcomes.push(await runBench(name));

console.log('\n=== summary ===');
for (const o of outcomes) {
  console.log(
    `${o.code === 0 ? 'ok  ' : 'FAIL'} ${o.name.padEnd(16)} ${o.seconds.toFixed(1).padStart(6)} s  ${o.last}`,
  );
}
process.exit(outcomes.every((o) => o.code === 0) ? 0 : 1);
