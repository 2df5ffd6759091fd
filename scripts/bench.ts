// `npm run bench`: wall time of a full offline synth of every environment (buildApp, which
// includes the budget pre-pass, + synth + quality gates), of costing every environment in every
// state, and the resource count per stack. A benchmark, not a test: nothing asserts time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../src/app';
import { platformConfig } from '../src/config';
import { ENVIRONMENT_STATES } from '../src/config/types';
import { environmentStacks, estimateEnvironments, estimateStacks } from '../src/cost/environment-cost';
import { synthesize } from '../src/quality/synthesize';
import { formatTable, type StackSummary, summarizeStacks } from '../src/summary';

const runs = Number(process.env.BENCH_RUNS ?? 3);

function timed<T>(work: () => T): { milliseconds: number; result: T } {
  const start = performance.now();
  const result = work();
  return { milliseconds: performance.now() - start, result };
}

function stats(label: string, timings: number[]): string {
  const sorted = [...timings].sort((a, b) => a - b);
  const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
  return `${label}: first ${s(timings[0])}, median ${s(sorted[Math.floor(sorted.length / 2)])}, min ${s(sorted[0])}, max ${s(sorted[sorted.length - 1])}`;
}

const synthTimes: number[] = [];
const costTimes: number[] = [];
const pricingOnlyTimes: number[] = [];
let stacks: StackSummary[] = [];
for (let run = 0; run < runs; run++) {
  const outdir = mkdtempSync(join(tmpdir(), 'booking-bench-'));
  const synth = timed(() => synthesize(buildApp(platformConfig, { outdir }).app));
  synthTimes.push(synth.milliseconds);
  stacks = summarizeStacks(synth.result);
  // Pricing alone, on the templates just synthesized (synth excluded).
  pricingOnlyTimes.push(
    timed(() =>
      platformConfig.environments.map((env) =>
        estimateStacks(env, env.state, environmentStacks(synth.result, platformConfig.shared.appName, env.name)),
      ),
    ).milliseconds,
  );
  // Every environment in every state, synth included (what `booking-infra cost` does).
  costTimes.push(
    timed(() =>
      ENVIRONMENT_STATES.map((state) => estimateEnvironments(platformConfig, platformConfig.environments, state)),
    ).milliseconds,
  );
  rmSync(outdir, { recursive: true, force: true });
}

console.log(`${platformConfig.environments.length} environments, ${runs} runs, node ${process.version}`);
console.log(stats('full offline synth with quality gates (buildApp + synth)', synthTimes));
console.log(stats('cost of every environment x 3 states, synth included', costTimes));
console.log(stats('cost of every environment, pricing only (synth excluded)', pricingOnlyTimes));
console.log();
console.log(
  formatTable(
    ['stack', 'resources'],
    stacks.map((stack) => [stack.stackName, stack.resourceCount]),
  ),
);
console.log(`total resources: ${stacks.reduce((sum, stack) => sum + stack.resourceCount, 0)}`);
