import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, mock, test } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type EnvironmentConfig, environmentNamed, platformConfig } from '../src/config';
import { QualityGateError, readAcknowledgements, readFindings, synthesize } from '../src/quality/synthesize';
import {
  iamStatements,
  OFFLINE_AWS_VARIABLES,
  offlineEntryPointRun,
  synth,
  type SynthesizedPlatform,
  temporaryDirectory,
} from './helpers';

const DEV = environmentNamed(platformConfig, 'dev');

/**
 * Dev as it ran before its HTTP API and its cache task: behind the ALB, its cache one ElastiCache
 * node. The load balancer's and the single-node cache's acknowledgements are checked on it.
 */
const DEV_ALB: EnvironmentConfig = {
  ...DEV,
  ingress: { kind: 'alb' },
  cache: { ...DEV.cache, hosting: 'elasticache', task: undefined },
  compute: {
    ...DEV.compute,
    web: { ...DEV.compute.web, requestsPerTaskPerMinute: 1000, healthCheckCommand: undefined },
  },
};

/** The rules acknowledged in an assembly, environment names folded to `<env>`. */
function acknowledgedRules(directory: string): Set<string> {
  return new Set(
    readAcknowledgements(directory).map((ack) => `${ack.plugin}: ${ack.rule.replace(/booking-(dev|prod)/g, '<env>')}`),
  );
}

describe('the app', () => {
  let platform: SynthesizedPlatform;
  let devAlb: SynthesizedPlatform;
  before(() => {
    platform = synth();
    devAlb = synth({ ...platformConfig, environments: [DEV_ALB] });
  });

  test('every environment synthesizes through the CDK entry point with no AWS variables and no account', () => {
    const { outdir, errors, exitCode, variables } = offlineEntryPointRun();
    assert.deepEqual(errors, []);
    assert.equal(exitCode, undefined);
    for (const name of Object.keys(variables)) {
      assert.doesNotMatch(name, /^(BOOKING_|CDK_DEFAULT_)/, `${name} reached the entry point`);
      if (name.startsWith('AWS_')) assert.ok(name in OFFLINE_AWS_VARIABLES, `${name} reached the entry point`);
    }
    for (const envConfig of platformConfig.environments) {
      const assemblyDir = join(outdir, `assembly-booking-${envConfig.name}`);
      assert.ok(existsSync(assemblyDir), `${assemblyDir} written`);
      assert.ok(readdirSync(assemblyDir).some((file) => file.endsWith('.template.json')));
    }
    // The entry point bundles the Lambda code (the guard and the schedule share one bundle, the
    // backlog publisher has its own): this run proves both build.
    const bundles = readdirSync(outdir).filter(
      (file) => file.startsWith('asset.') && existsSync(join(outdir, file, 'index.js')),
    );
    assert.ok(bundles.length >= 2, `bundled Lambda code in ${outdir}: ${bundles.join(', ')}`);
  });

  test('bin/app.ts is the entry point synthesizeEntryPoint stands for', () => {
    // cdk.json runs bin/app.ts; it hands its environment to synthesizeEntryPoint and nothing else
    // (test/entry-point.test.ts runs it as a process for the config-mistake path).
    assert.equal(JSON.parse(readFileSync('cdk.json', 'utf8')).app, 'npx tsx bin/app.ts');
    const code = readFileSync('bin/app.ts', 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('//') && !line.startsWith('#!'));
    assert.deepEqual(code, [
      "import { synthesizeEntryPoint } from '../src/entry-point';",
      'synthesizeEntryPoint(process.env);',
    ]);
  });

  test('stack names are deterministic: <app>-<env>-<part>', () => {
    const names = platform.assembly.stacksRecursively.map((stack) => stack.stackName).sort();
    assert.deepEqual(names, [
      'booking-dev-app',
      'booking-dev-data',
      'booking-dev-edge',
      'booking-dev-network',
      'booking-dev-ops',
      'booking-dev-pipeline',
      'booking-prod-app',
      'booking-prod-data',
      'booking-prod-edge',
      'booking-prod-network',
      'booking-prod-ops',
      'booking-prod-pipeline',
      'booking-prod-recovery',
      'booking-shared-baseline',
      'booking-shared-dns',
      'booking-shared-images',
      'booking-shared-source',
    ]);
  });

  test('stacks carry their account, region and configured AZs', () => {
    for (const env of platformConfig.environments) {
      const artifact = platform.artifact(env.name, 'network');
      assert.equal(artifact.environment.account, env.account);
      assert.equal(artifact.environment.region, env.region);
      const zones = new Set(
        Object.values(artifact.template.Resources as Record<string, any>)
          .filter((resource) => resource.Type === 'AWS::EC2::Subnet')
          .map((subnet) => subnet.Properties.AvailabilityZone),
      );
      assert.deepEqual([...zones].sort(), [...env.availabilityZones].sort());
    }
  });

  test('every iam:PassRole in every stack names its roles and the one service they go to (issue 14)', () => {
    let found = 0;
    for (const stack of platform.assembly.stacksRecursively) {
      for (const { statement } of iamStatements(stack.template)) {
        if (![statement.Action].flat().some((action: string) => /^iam:(PassRole|\*)$|^\*$/.test(action))) continue;
        found++;
        assert.ok(![statement.Resource].flat().includes('*'), `${stack.stackName}: PassRole on "*"`);
        assert.ok(
          statement.Condition?.StringEquals?.['iam:PassedToService'],
          `${stack.stackName}: no iam:PassedToService`,
        );
      }
    }
    assert.ok(found > 0, 'the pipelines pass the service roles');
  });

  test('every tagged resource of every stack carries the app, environment and module cost-allocation tags, wherever its type keeps them', () => {
    let checked = 0;
    for (const stack of platform.assembly.stacksRecursively) {
      const environment = stack.stackName.split('-')[1];
      for (const [id, resource] of Object.entries(stack.template.Resources as Record<string, any>)) {
        // Most types keep their tags in `Tags`; some under a name of their own (EFS's
        // FileSystemTags and AccessPointTags, Backup's BackupVaultTags, Route 53's HostedZoneTags).
        // ECS's PropagateTags and EnableECSManagedTags are settings, not tags.
        for (const [property, tags] of Object.entries((resource.Properties ?? {}) as Record<string, unknown>)) {
          if (!/Tags$/.test(property) || typeof tags !== 'object' || tags === null) continue;
          const map: Record<string, string> = Array.isArray(tags)
            ? Object.fromEntries(tags.map((t: any) => [t.Key, t.Value]))
            : (tags as Record<string, string>);
          const at = `${stack.stackName} ${id} ${property}`;
          assert.equal(map.app, 'booking', at);
          assert.equal(map.environment, environment, at);
          assert.ok(map.module, `${at} has no module tag`);
          checked++;
        }
      }
    }
    assert.ok(checked > 100, `checked ${checked} resources`);
  });

  test('no stack exports a value: cross-stack references are weak', () => {
    for (const stack of platform.assembly.stacksRecursively) {
      const outputs = Object.values((stack.template.Outputs ?? {}) as Record<string, any>);
      assert.ok(
        outputs.every((output) => output.Export === undefined),
        `${stack.stackName} has an export`,
      );
      assert.doesNotMatch(JSON.stringify(stack.template), /Fn::ImportValue/);
    }
  });

  test('cdk-nag and the CloudFormation validator leave nothing unacknowledged', () => {
    assert.deepEqual(readFindings(platform.assembly.directory), []);
  });

  test('every acknowledgement carries a reason a reviewer can judge', () => {
    const acknowledgements = readAcknowledgements(platform.assembly.directory);
    assert.ok(acknowledgements.length > 0);
    for (const ack of acknowledgements) {
      assert.ok(ack.reason.length >= 40, `${ack.rule} at ${ack.at}: "${ack.reason}"`);
    }
    // Every acknowledgement in force, pinned (environment names folded): a new one is a reviewed decision.
    // Dev's HTTP API routes carry no authorizer (APIG4); its load balancer's ELB2 went with the ALB,
    // its single-node cache's AEC4 with ElastiCache (both checked on dev as it ran before, below).
    const rules = acknowledgedRules(platform.assembly.directory);
    assert.deepEqual([...rules].sort(), [
      'AwsSolutions: AwsSolutions-AEC6',
      'AwsSolutions: AwsSolutions-APIG4',
      'AwsSolutions: AwsSolutions-CFR1',
      'AwsSolutions: AwsSolutions-CFR2',
      'AwsSolutions: AwsSolutions-CFR3',
      'AwsSolutions: AwsSolutions-EC23',
      'AwsSolutions: AwsSolutions-ECS2',
      'AwsSolutions: AwsSolutions-ECS4',
      'AwsSolutions: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      'AwsSolutions: AwsSolutions-IAM5[Action::s3:Abort*]',
      'AwsSolutions: AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      'AwsSolutions: AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'AwsSolutions: AwsSolutions-IAM5[Action::s3:GetObject*]',
      'AwsSolutions: AwsSolutions-IAM5[Action::s3:List*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::<PipelineArtifactsEB21E7E8.Arn>/*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::<RestoreDrillFunctionA4D787D1.Arn>:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::<StorageBucket5CB7C8EA.Arn>/*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::<StorageBucket5CB7C8EA.Arn>/media/*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::<StorageBucket5CB7C8EA.Arn>/static/*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:application-autoscaling:eu-west-2:111111111111:scalable-target/*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:cloudformation:eu-west-2:111111111111:stack/<env>-app/*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-west-2:111111111111:task-definition/<env>-database-roles:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-west-2:111111111111:task-definition/<env>-migrate:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-west-2:111111111111:task-definition/<env>-restore-drill:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-west-2:111111111111:task/<env>/*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:logs:eu-west-2:111111111111:log-group:<EcsClusterExecLogs5470FF8C>:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:rds:eu-west-2:111111111111:db:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:rds:eu-west-2:111111111111:db:<env>-drill-*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:rds:eu-west-2:111111111111:og:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:rds:eu-west-2:111111111111:pg:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:rds:eu-west-2:111111111111:snapshot:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:rds:eu-west-2:111111111111:snapshot:<env>-minimal-*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:rds:eu-west-2:111111111111:subgrp:*]',
      'AwsSolutions: AwsSolutions-IAM5[Resource::arn:aws:s3:::<env>-media-replica-111111111111/*]',
      'AwsSolutions: AwsSolutions-RDS10',
      'AwsSolutions: AwsSolutions-RDS11',
      'AwsSolutions: AwsSolutions-RDS3',
      'AwsSolutions: AwsSolutions-S1',
      'AwsSolutions: AwsSolutions-SMG4',
      'AwsSolutions: AwsSolutions-VPC7',
      'CloudFormation Validate: W3010',
    ]);
    // Production acknowledges no single-AZ, unprotected, unlogged or single-node resource.
    const prodOnly = acknowledgements.filter((ack) =>
      ack.constructPaths.every((path) => path.startsWith('booking-prod/')),
    );
    const prodRules = new Set(prodOnly.map((ack) => ack.rule));
    for (const devOnly of [
      'AwsSolutions-AEC4',
      'AwsSolutions-RDS3',
      'AwsSolutions-RDS10',
      'AwsSolutions-VPC7',
      'AwsSolutions-ELB2',
    ]) {
      assert.ok(!prodRules.has(devOnly), `prod acknowledges ${devOnly}`);
    }
  });

  test('dev behind an ALB with an ElastiCache node passes the gates, acknowledging its load balancer without access logs (ELB2) and its single-node cache (AEC4), and no API route', () => {
    assert.deepEqual(readFindings(devAlb.assembly.directory), []);
    const rules = acknowledgedRules(devAlb.assembly.directory);
    assert.ok(rules.has('AwsSolutions: AwsSolutions-ELB2'));
    assert.ok(rules.has('AwsSolutions: AwsSolutions-AEC4'));
    assert.ok(!rules.has('AwsSolutions: AwsSolutions-APIG4'));
    for (const ack of readAcknowledgements(devAlb.assembly.directory)) {
      assert.ok(ack.reason.length >= 40, `${ack.rule} at ${ack.at}: "${ack.reason}"`);
    }
  });

  test('an unacknowledged cdk-nag error fails synth', () => {
    const { app, stack } = gatedApp();
    const group = new ec2.SecurityGroup(stack, 'Open', {
      vpc: new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-2a'], natGateways: 0 }),
    });
    group.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
    assert.throws(() => quietly(() => synthesize(app)), /Validation failed|AwsSolutions/);
  });

  test('an unacknowledged validator warning fails synth too', () => {
    const { app, stack } = gatedApp(false);
    new ec2.CfnSubnet(stack, 'Subnet', { vpcId: 'vpc-1234', cidrBlock: '10.0.0.0/24', availabilityZone: 'eu-west-2a' });
    assert.throws(
      () => quietly(() => synthesize(app)),
      (error: unknown) =>
        error instanceof QualityGateError && error.findings.some((finding) => finding.rule === 'W3010'),
    );
  });
});

/**
 * Runs `work` with the console and stderr silenced: the gates print their report of the
 * deliberate violations, which is expected here and only noise in the test output.
 */
function quietly<T>(work: () => T): T {
  const silence = [
    mock.method(console, 'error', () => undefined),
    mock.method(console, 'warn', () => undefined),
    mock.method(console, 'log', () => undefined),
    mock.method(process.stderr, 'write', () => true),
  ];
  try {
    return work();
  } finally {
    for (const method of silence) method.mock.restore();
  }
}

/** An app with the same gates as buildApp's, for deliberate violations. */
function gatedApp(withNag = true): { app: App; stack: Stack } {
  const app = new App({ outdir: temporaryDirectory('booking-gate-') });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack: new Stack(app, 'Gate', { env: { account: '123456789012', region: 'eu-west-2' } }) };
}
