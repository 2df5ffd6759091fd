// `npm start`: synthesize every environment offline into cdk.out/, print what would be built (with
// the names `npx cdk` takes) and what it costs a month in each state. Honours BOOKING_ACCOUNT and
// BOOKING_<ENV>_ACCOUNT like `npx cdk`; a config mistake prints one line per mistake and exits 2.
import { buildApp } from '../src/app';
import { estimateShared, estimateStates } from '../src/cost/environment-cost';
import { formatStateTable } from '../src/cost/format';
import { entryPointSettings, reportingConfigErrors } from '../src/entry-point';
import { synthesize } from '../src/quality/synthesize';
import { formatTable, summarizeStacks } from '../src/summary';

const outdir = 'cdk.out';

reportingConfigErrors(() => {
  const { config } = entryPointSettings(process.env);
  const { app, shared, stages } = buildApp(config, { outdir });
  const assembly = synthesize(app);
  const stacks = summarizeStacks(assembly);

  const describeStage = (stageName: string, heading: string) => {
    const own = stacks.filter((stack) => stack.stackName.startsWith(`${stageName}-`));
    console.log(`\n${heading}`);
    console.log(
      formatTable(
        [
          'stack (npx cdk deploy ...)',
          'CloudFormation name',
          'account',
          'region',
          'resources',
          'termination protection',
        ],
        own.map((s) => [
          s.cdkId,
          s.stackName,
          s.account,
          s.region,
          s.resourceCount,
          s.terminationProtection ? 'on' : 'off',
        ]),
      ),
    );
  };
  describeStage(
    shared.stageName,
    `${shared.stageName}: account ${config.shared.account}, ${config.shared.region} (deploy first: npx cdk deploy '${shared.stageName}/*')`,
  );
  for (const stage of stages) {
    const env = stage.config;
    describeStage(
      stage.stageName,
      `${stage.stageName}: account ${env.account}, ${env.region}, state ${env.state} (npx cdk deploy '${stage.stageName}/*')`,
    );
  }

  const estimates = estimateStates(config, config.environments);
  console.log('\nMonthly cost (details: npx booking-infra cost <env>):');
  console.log(formatStateTable([...estimates, estimateShared(config)]));
  console.log(`\nTemplates written to ${outdir}/ (no AWS account, credentials or network used).`);
});
