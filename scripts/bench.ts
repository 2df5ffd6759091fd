// `npm run bench`: wall time of a full offline synth of every environment (buildApp + synth +
// quality gates), and the resource count per stack. A benchmark, not a test: nothing asserts time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../src/app';
import { platformConfig } from '../src/config';
import { synthesize } from '../src/quality/synthesize';
import { formatTable, type StackSummary, summarizeStacks } from '../src/summary';

const runs = Number(process.env.BENCH_RUNS ?? 3);

function synthOnce(): { milliseconds: number; stacks: StackSummary[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'booking-bench-'));
  const start = performance.now();
  const { app } = buildApp(platformConfig, { outdir });
  const assembly = synthesize(app);
  const milliseconds = performance.now() - start;
  const stacks = summarizeStacks(assembly);
  rmSync(outdir, { recursive: true, force: true });
  return { milliseconds, stacks };
}

const timings: number[] = [];
let stacks: StackSummary[] = [];
for (let run = 0; run < runs; run++) {
  const result = synthOnce();
  timings.push(result.milliseconds);
  stacks = result.stacks;
}
const sorted = [...timings].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(
  `Full offline synth of ${platformConfig.environments.length} environments, ${runs} runs (node ${process.version})`,
);
console.log(`  first run (cold: module load, validator start-up): ${(timings[0] / 1000).toFixed(2)} s`);
console.log(
  `  median: ${(median / 1000).toFixed(2)} s   min: ${(sorted[0] / 1000).toFixed(2)} s   max: ${(sorted[sorted.length - 1] / 1000).toFixed(2)} s`,
);
console.log();
console.log(
  formatTable(
    ['stack', 'resources'],
    stacks.map((stack) => [stack.stackName, stack.resourceCount]),
  ),
);
console.log(`  total resources: ${stacks.reduce((sum, stack) => sum + stack.resourceCount, 0)}`);
