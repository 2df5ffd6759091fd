/**
 * A deploy that switches dev's front door (`ingress`) while a resume runs: the resume found its
 * resources in the app stack's outputs when it began, and the deploy changes them under it. The
 * run that read the old outputs must stop with words that say "run again"; the next run reads the
 * stack anew and completes on the new front door.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetVpcLinkCommand, NotFoundException } from '@aws-sdk/client-apigatewayv2';
import { DescribeStacksCommand, type DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';
import { EnableAlarmActionsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTargetHealthCommand, TargetGroupNotFoundException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { FakeAws } from './fake-aws';
import { cli } from './ops-cli';

const OLD_LINK = 'vldev42';
const NEW_LINK = 'vldev43';
/** The target group FakeAws('dev') starts with (ingress alb). */
const OLD_TARGET_GROUP = 'arn:aws:elasticloadbalancing:eu-west-2:111111111111:targetgroup/web/1';
const NEW_TARGET_GROUP = 'arn:aws:elasticloadbalancing:eu-west-2:111111111111:targetgroup/web/2';
const API = 'https://api-dev.lichnails.co.uk/';

type Ingress = 'alb' | 'http-api';
/** How the old VPC link answers once the deploy removed it: gone, or still being deleted. */
type LinkGone = 'missing' | 'DELETING';

/**
 * The app stack as DescribeStacks answers it, deployed with `ingress`: `old` as FakeAws('dev')
 * starts, `new` with the front door a switching deploy creates.
 */
function appStack(ingress: Ingress, generation: 'old' | 'new'): Partial<DescribeStacksCommandOutput> {
  const old = generation === 'old';
  const outputs: Record<string, string> = {
    ClusterName: 'booking-dev',
    WebServiceName: 'booking-dev-web',
    WorkerServiceName: 'booking-dev-worker',
    ApiUrl: API,
    MigrateTaskDefinition: 'booking-dev-migrate',
    ...(ingress === 'alb'
      ? { WebTargetGroupArn: old ? OLD_TARGET_GROUP : NEW_TARGET_GROUP, LoadBalancerDnsName: 'lb.elb.amazonaws.com' }
      : { VpcLinkId: old ? OLD_LINK : NEW_LINK, HttpApiId: old ? 'apidev7' : 'apidev8' }),
  };
  return {
    Stacks: [
      {
        StackName: 'booking-dev-app',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(0),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  };
}

/**
 * What the deploy switching to `ingress` leaves in AWS: the app stack's new outputs, the new front
 * door, and the old one gone (the old link answering as `linkGone` says, the old target group
 * unknown to ELB).
 */
function deploySwitchingTo(fake: FakeAws, ingress: Ingress, linkGone: LinkGone = 'missing'): void {
  fake.stubs.cloudformation
    .on(DescribeStacksCommand, { StackName: 'booking-dev-app' })
    .resolves(appStack(ingress, 'new'));
  if (ingress === 'alb') {
    if (linkGone === 'DELETING') fake.vpcLink = { status: 'DELETING' };
    else
      fake.stubs.apigatewayv2
        .on(GetVpcLinkCommand)
        .rejects(new NotFoundException({ message: 'Invalid VPC link identifier specified', $metadata: {} }));
    return;
  }
  fake.stubs.apigatewayv2.on(GetVpcLinkCommand).callsFake((input: { VpcLinkId: string }) => {
    if (input.VpcLinkId !== NEW_LINK)
      throw new NotFoundException({ message: 'Invalid VPC link identifier specified', $metadata: {} });
    return { VpcLinkId: NEW_LINK, VpcLinkStatus: 'AVAILABLE' };
  });
  fake.stubs.elbv2
    .on(DescribeTargetHealthCommand)
    .rejects(new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }));
}

/** dev behind `ingress`, paused by the CLI, the SDK calls forgotten; `running`: its services before. */
async function pausedBehind(ingress: Ingress): Promise<{ fake: FakeAws; running: FakeAws['services'] }> {
  const fake = new FakeAws('dev', { ingress });
  const running = structuredClone(fake.services);
  const paused = await cli(fake, ['pause', 'dev']);
  assert.equal(paused.code, 0, paused.err);
  fake.reset();
  return { fake, running };
}

/** A `sleep` that lands the deploy switching to `ingress` at the run's first wait (the database starting). */
function deployingAtFirstWait(fake: FakeAws, ingress: Ingress): () => Promise<void> {
  let deployed = false;
  return async () => {
    if (!deployed) deploySwitchingTo(fake, ingress);
    deployed = true;
  };
}

/** The journal's resume entries as `from -> to: outcome`. */
const resumes = (fake: FakeAws) =>
  fake
    .journal()
    .filter((entry) => entry.operation === 'resume')
    .map((entry) => `${entry.from} -> ${entry.to}: ${entry.outcome}`);

const targetHealthReads = (fake: FakeAws) =>
  fake.stubs.elbv2.commandCalls(DescribeTargetHealthCommand).map((call) => call.args[0].input.TargetGroupArn);
const linkReads = (fake: FakeAws) =>
  fake.stubs.apigatewayv2.commandCalls(GetVpcLinkCommand).map((call) => call.args[0].input.VpcLinkId);
const enabledAlarms = (fake: FakeAws) => fake.stubs.cloudwatch.commandCalls(EnableAlarmActionsCommand).length;

/** The words that send the operator to run again after a deploy, whatever broke. */
const RUN_AGAIN =
  /If the app stack was deployed while this ran \(e\.g\. switching ingress\), run "npx booking-infra resume dev" again, which reads the stack anew/;

describe('a deploy in between switches the ingress during a resume', () => {
  for (const linkGone of ['missing', 'DELETING'] as const) {
    test(`HTTP API -> ALB right after resume read the stack (old link ${linkGone}): refused before anything starts; the next run completes on the ALB`, async () => {
      const { fake, running } = await pausedBehind('http-api');
      // The deploy completes just after this run read the app stack's outputs (still the link's);
      // every later read gets the new ones.
      fake.stubs.cloudformation.on(DescribeStacksCommand, { StackName: 'booking-dev-app' }).callsFake(() => {
        deploySwitchingTo(fake, 'alb', linkGone);
        return appStack('http-api', 'old');
      });

      const refused = await cli(fake, ['resume', 'dev']);
      assert.equal(refused.code, 1);
      assert.match(refused.err, new RegExp(`^booking-infra: the API's VPC link ${OLD_LINK} is ${linkGone}: `));
      assert.match(refused.err, RUN_AGAIN);
      // Refused while planning: no bounds, no count, no database start, no request to the API.
      assert.deepEqual(fake.mutatingCalls(), []);
      assert.deepEqual(fake.wakeRequests, []);
      assert.equal(fake.database, 'stopped');
      assert.equal(fake.stateRecord().state, 'paused', 'the record is left as the pause wrote it');
      assert.equal(fake.lock(), undefined);
      assert.deepEqual(resumes(fake), [], 'refused before any lock was taken: nothing began, nothing to journal');

      // The next run reads the stack anew: a target group, no link.
      fake.reset();
      const resumed = await cli(fake, ['resume', 'dev']);
      assert.equal(resumed.code, 0, resumed.err);
      assert.equal(fake.database, 'available');
      assert.deepEqual(fake.services, running, 'the recorded bounds and counts are restored');
      assert.match(resumed.out, /wait for the load balancer targets to be healthy/);
      assert.ok(targetHealthReads(fake).length > 0);
      assert.ok(targetHealthReads(fake).every((arn) => arn === NEW_TARGET_GROUP));
      assert.deepEqual(linkReads(fake), [], 'there is no link to check any more');
      assert.equal(fake.stateRecord().state, 'running');
      assert.equal(enabledAlarms(fake), 1);
      assert.equal(fake.lock(), undefined);
      assert.deepEqual(resumes(fake), ['paused -> running: started', 'paused -> running: succeeded']);
    });
  }

  test('HTTP API -> ALB between the plan shown and the plan under the lock: refused under the lock, which is released; nothing changed', async () => {
    const { fake } = await pausedBehind('http-api');
    // The plan shown reads the link AVAILABLE; the deploy completes before the plan under the lock.
    fake.stubs.apigatewayv2.on(GetVpcLinkCommand).callsFake(() => {
      deploySwitchingTo(fake, 'alb');
      return { VpcLinkId: OLD_LINK, VpcLinkStatus: 'AVAILABLE' };
    });
    const refused = await cli(fake, ['resume', 'dev']);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /Plan to resume dev/);
    assert.match(refused.out, new RegExp(`resume failed: the API's VPC link ${OLD_LINK} is missing: `));
    assert.match(refused.out, RUN_AGAIN);
    assert.deepEqual(linkReads(fake), [OLD_LINK, OLD_LINK], 'read for the plan shown, then under the lock');
    assert.deepEqual(fake.mutatingCalls(), []);
    assert.equal(fake.database, 'stopped');
    assert.equal(fake.stateRecord().state, 'paused');
    assert.equal(fake.lock(), undefined, 'the lock taken for the second plan is released');

    fake.reset();
    const resumed = await cli(fake, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(fake.stateRecord().state, 'running');
  });

  test('ALB -> HTTP API right after resume read the stack (old target group gone): refused before anything starts; the next run completes on the link', async () => {
    const { fake } = await pausedBehind('alb');
    // The deploy completes just after this run read the app stack's outputs (still the ALB's).
    fake.stubs.cloudformation.on(DescribeStacksCommand, { StackName: 'booking-dev-app' }).callsFake(() => {
      deploySwitchingTo(fake, 'http-api');
      return appStack('alb', 'old');
    });
    const refused = await cli(fake, ['resume', 'dev']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, new RegExp(`the load balancer's target group ${OLD_TARGET_GROUP} does not exist`));
    assert.match(refused.err, RUN_AGAIN);
    assert.deepEqual(fake.mutatingCalls(), [], 'the health wait could never pass: nothing is started');
    assert.equal(fake.database, 'stopped');
    assert.equal(fake.stateRecord().state, 'paused');
    assert.equal(fake.lock(), undefined);

    fake.reset();
    const resumed = await cli(fake, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.deepEqual(linkReads(fake).slice(-1), [NEW_LINK]);
    assert.equal(fake.stateRecord().state, 'running');
  });

  test('HTTP API -> ALB while the database starts: the link step fails saying run again, lock released, failure journaled, record resuming; the next run completes', async () => {
    const { fake, running } = await pausedBehind('http-api');
    const first = await cli(fake, ['resume', 'dev'], { sleep: deployingAtFirstWait(fake, 'alb') });
    assert.equal(first.code, 1);
    assert.match(first.out, new RegExp(`resume failed: the API's VPC link ${OLD_LINK} is missing: `));
    assert.match(first.out, RUN_AGAIN);
    assert.match(first.err, /resume of dev did not complete; run "npx booking-infra resume dev" again/);
    // Everything but the link's check had been done; the alarms stay silent until a run finishes.
    assert.equal(fake.database, 'available');
    assert.deepEqual(fake.services, running);
    assert.equal(enabledAlarms(fake), 0);
    assert.equal(fake.stateRecord().state, 'resuming');
    assert.equal(fake.lock(), undefined, 'the failed run released its lock');
    assert.deepEqual(resumes(fake), [
      'paused -> running: started',
      `paused -> running: failed: the API's VPC link ${OLD_LINK} is missing: requests to the API cannot reach the web tasks, and traffic does not bring it back. If the app stack was deployed while this ran (e.g. switching ingress), run "npx booking-infra resume dev" again, which reads the stack anew; otherwise fix: remove the cause AWS gives (e.g. no free address in a subnet), then re-create the app stack, which owns the link and holds no data (its services stop meanwhile): npx cdk destroy 'booking-dev/app' && npx cdk deploy 'booking-dev/*', then run resume again`,
    ]);

    // The retry carries on from `resuming` behind the ALB: nothing left to start, the targets checked.
    fake.reset();
    const again = await cli(fake, ['resume', 'dev']);
    assert.equal(again.code, 0, again.err);
    assert.deepEqual(fake.mutatingCalls(), [], 'the database and the services were already back');
    assert.ok(targetHealthReads(fake).length > 0);
    assert.ok(targetHealthReads(fake).every((arn) => arn === NEW_TARGET_GROUP));
    assert.deepEqual(linkReads(fake), []);
    assert.equal(fake.stateRecord().state, 'running');
    assert.equal(enabledAlarms(fake), 1);
    assert.deepEqual(resumes(fake).slice(2), ['resuming -> running: started', 'resuming -> running: succeeded']);
  });

  test('ALB -> HTTP API while the database starts: the target group gone fails the wait saying run again, lock released, failure journaled, record resuming; the next run completes on the link', async () => {
    const { fake, running } = await pausedBehind('alb');
    const first = await cli(fake, ['resume', 'dev'], { sleep: deployingAtFirstWait(fake, 'http-api') });
    assert.equal(first.code, 1);
    const reason = `the load balancer's target group ${OLD_TARGET_GROUP} does not exist: the web tasks' health cannot be read through it. If the app stack was deployed while this ran (e.g. switching ingress), run "npx booking-infra resume dev" again, which reads the stack anew; otherwise deploy the app stack, which owns it: npx cdk deploy 'booking-dev/*', then run resume again`;
    assert.ok(first.out.includes(`resume failed: ${reason}\n`), first.out);
    assert.match(first.err, /resume of dev did not complete; run "npx booking-infra resume dev" again/);
    assert.equal(fake.database, 'available');
    assert.deepEqual(fake.services, running);
    assert.equal(enabledAlarms(fake), 0);
    assert.equal(fake.stateRecord().state, 'resuming');
    assert.equal(fake.lock(), undefined, 'the failed run released its lock');
    assert.deepEqual(resumes(fake), ['paused -> running: started', `paused -> running: failed: ${reason}`]);

    // The retry reads the stack anew: the web tasks' own health check, then the new link.
    fake.reset();
    const again = await cli(fake, ['resume', 'dev']);
    assert.equal(again.code, 0, again.err);
    assert.deepEqual(fake.mutatingCalls(), []);
    assert.match(again.out, /wait for the web tasks to pass their container health check/);
    assert.deepEqual(targetHealthReads(fake), [], 'there is no target group to check any more');
    assert.ok(linkReads(fake).length > 0);
    assert.ok(linkReads(fake).every((id) => id === NEW_LINK));
    assert.deepEqual(fake.wakeRequests, [], 'the new link is AVAILABLE: no request needed');
    assert.equal(fake.stateRecord().state, 'running');
    assert.equal(enabledAlarms(fake), 1);
    assert.deepEqual(resumes(fake).slice(2), ['resuming -> running: started', 'resuming -> running: succeeded']);
  });
});
