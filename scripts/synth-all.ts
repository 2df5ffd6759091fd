// `npm start`: synthesize every environment offline into cdk.out/, print what would be built and
// what it costs a month in each state.
import { buildApp } from '../src/app';
import { platformConfig } from '../src/config';
import { estimateShared, estimateStates } from '../src/cost/environment-cost';
import { formatStateTable } from '../src/cost/format';
import { synthesize } from '../src/quality/synthesize';
import { formatTable, summarizeStacks } from '../src/summary';

const outdir = 'cdk.out';
const { app, stages } = buildApp(platformConfig, { outdir });
const assembly = synthesize(app);
const stacks = summarizeStacks(assembly);

for (const stage of stages) {
  const env = stage.config;
  const own = stacks.filter((stack) => stack.stackName.startsWith(`${stage.stageName}-`));
  console.log(`\n${stage.stageName}: account ${env.account}, ${env.region}, state ${env.state}`);
  console.log(
    formatTable(
      ['stack', 'region', 'resources', 'termination protection'],
      own.map((s) => [s.stackName, s.region, s.resourceCount, s.terminationProtection ? 'on' : 'off']),
    ),
  );
}

const estimates = estimateStates(platformConfig, platformConfig.environments);
console.log('\nMonthly cost (details: npx booking-infra cost <env>):');
console.log(formatStateTable([...estimates, estimateShared(platformConfig)]));
console.log(`\nTemplates written to ${outdir}/ (no AWS account, credentials or network used).`);
