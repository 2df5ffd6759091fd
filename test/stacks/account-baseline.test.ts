import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, findConfigIssues, platformConfig, type PlatformConfig } from '../../src/config';
import { estimateShared } from '../../src/cost/environment-cost';
import { estimate } from '../../src/cost/estimator';
import { priceTableFor } from '../../src/cost/prices';
import { entryPointSettings } from '../../src/entry-point';
import { baselineAccounts, DEFAULT_BASELINE_USAGE } from '../../src/modules/account-baseline/settings';
import { resourcesOfType, synth, type SynthesizedPlatform } from '../helpers';

const SHARED = '111111111111';
const PROD = '222222222222';

/** Prod in its own account (as test/stacks/multi-account.test.ts), every baseline option on. */
const multiAccount: PlatformConfig = (() => {
  const config = entryPointSettings({ BOOKING_PROD_ACCOUNT: PROD }).config;
  return {
    ...config,
    shared: {
      ...config.shared,
      accountBaseline: {
        trail: { mode: 'create', retentionDays: 400, cloudWatchLogsRetentionDays: 90, accessLogging: true },
        guardDuty: { mode: 'create', runtimeMonitoring: true },
        securityHub: { mode: 'create' },
      },
    },
  };
})();

/** The committed baseline (trail and GuardDuty, no Security Hub), with dev only for a faster synth. */
const committedDev: PlatformConfig = { ...platformConfig, environments: [environmentNamed(platformConfig, 'dev')] };

const withBaseline = (accountBaseline: unknown): PlatformConfig => ({
  ...platformConfig,
  shared: { ...platformConfig.shared, accountBaseline: accountBaseline as PlatformConfig['shared']['accountBaseline'] },
});

describe('account baseline: CloudTrail, GuardDuty, Security Hub per account', () => {
  let platform: SynthesizedPlatform;
  let all: SynthesizedPlatform;
  let none: SynthesizedPlatform;
  const stack = (synthesized: SynthesizedPlatform, name: string, account: string) => {
    const found = synthesized.assembly.stacksRecursively.find(
      (s) => s.stackName === name && s.environment.account === account,
    );
    if (!found) throw new Error(`no stack ${name} in ${account}`);
    return found;
  };
  const one = (template: any, type: string) => {
    const found = resourcesOfType(template, type);
    assert.equal(found.length, 1, `one ${type}`);
    return found[0];
  };

  before(() => {
    // Quality gates on: an unacknowledged cdk-nag or validator finding fails these synths.
    platform = synth(committedDev);
    all = synth(multiAccount);
    none = synth({
      ...committedDev,
      shared: {
        ...committedDev.shared,
        accountBaseline: { trail: { mode: 'existing' }, guardDuty: { mode: 'existing' }, securityHub: { mode: 'off' } },
      },
    });
  });

  test('the trail: multi-Region, global events, log file validation, KMS, logging; named and kept', () => {
    const baseline = stack(platform, 'booking-shared-baseline', SHARED);
    assert.equal(baseline.environment.region, 'eu-west-2');
    assert.equal(baseline.terminationProtection, true);
    const [, trail] = one(baseline.template, 'AWS::CloudTrail::Trail');
    const [keyId, key] = one(baseline.template, 'AWS::KMS::Key');
    const [bucketId] = one(baseline.template, 'AWS::S3::Bucket');
    assert.equal(trail.Properties.TrailName, 'booking-audit');
    assert.equal(trail.Properties.IsMultiRegionTrail, true);
    assert.equal(trail.Properties.IncludeGlobalServiceEvents, true);
    assert.equal(trail.Properties.EnableLogFileValidation, true);
    assert.equal(trail.Properties.IsLogging, true);
    assert.deepEqual(trail.Properties.KMSKeyId, { 'Fn::GetAtt': [keyId, 'Arn'] });
    assert.deepEqual(trail.Properties.S3BucketName, { Ref: bucketId });
    assert.equal(trail.Properties.CloudWatchLogsLogGroupArn, undefined);
    assert.equal(key.Properties.EnableKeyRotation, true);
    assert.equal(key.DeletionPolicy, 'Retain');
    // The trail waits for the policies that let CloudTrail write and encrypt.
    assert.ok(trail.DependsOn.includes(keyId));
    assert.ok(trail.DependsOn.some((id: string) => baseline.template.Resources[id].Type === 'AWS::S3::BucketPolicy'));
  });

  test('the trail bucket: retained, versioned, KMS-encrypted, private, expiring after the retention', () => {
    const baseline = stack(platform, 'booking-shared-baseline', SHARED).template;
    const [keyId] = one(baseline, 'AWS::KMS::Key');
    const [, bucket] = one(baseline, 'AWS::S3::Bucket');
    assert.equal(bucket.DeletionPolicy, 'Retain');
    assert.deepEqual(bucket.Properties.VersioningConfiguration, { Status: 'Enabled' });
    const encryption = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    assert.equal(encryption.ServerSideEncryptionByDefault.SSEAlgorithm, 'aws:kms');
    assert.deepEqual(encryption.ServerSideEncryptionByDefault.KMSMasterKeyID, { 'Fn::GetAtt': [keyId, 'Arn'] });
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const [expiry] = bucket.Properties.LifecycleConfiguration.Rules;
    assert.equal(expiry.ExpirationInDays, 365);
    assert.deepEqual(expiry.NoncurrentVersionExpiration, { NoncurrentDays: 365 });
  });

  test("bucket and key policies are CloudTrail's, each conditioned on this trail's ARN; TLS only", () => {
    const baseline = stack(platform, 'booking-shared-baseline', SHARED).template;
    const trailArn = `arn:aws:cloudtrail:eu-west-2:${SHARED}:trail/booking-audit`;
    const [bucketId] = one(baseline, 'AWS::S3::Bucket');
    const [, policy] = one(baseline, 'AWS::S3::BucketPolicy');
    const statements = policy.Properties.PolicyDocument.Statement;
    const tls = statements.find((s: any) => s.Effect === 'Deny');
    assert.deepEqual(tls.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
    const acl = statements.find((s: any) => s.Sid === 'AWSCloudTrailAclCheck');
    assert.deepEqual(acl.Principal, { Service: 'cloudtrail.amazonaws.com' });
    assert.equal(acl.Action, 's3:GetBucketAcl');
    assert.deepEqual(acl.Resource, { 'Fn::GetAtt': [bucketId, 'Arn'] });
    assert.deepEqual(acl.Condition, { StringEquals: { 'aws:SourceArn': trailArn } });
    const write = statements.find((s: any) => s.Sid === 'AWSCloudTrailWrite');
    assert.equal(write.Action, 's3:PutObject');
    assert.deepEqual(write.Resource, {
      'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/AWSLogs/', { Ref: 'AWS::AccountId' }, '/*']],
    });
    assert.deepEqual(write.Condition, {
      StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn },
    });
    assert.equal(statements.length, 3, 'nothing else may use the bucket');

    const [, key] = one(baseline, 'AWS::KMS::Key');
    const cloudTrail = key.Properties.KeyPolicy.Statement.filter(
      (s: any) => s.Principal.Service === 'cloudtrail.amazonaws.com',
    );
    assert.deepEqual(cloudTrail.map((s: any) => s.Action).sort(), ['kms:DescribeKey', 'kms:GenerateDataKey*']);
    for (const statement of cloudTrail) assert.equal(statement.Condition.StringEquals['aws:SourceArn'], trailArn);
  });

  test('management events, and S3 data events of exactly the artifacts buckets of the account', () => {
    const [, trail] = one(stack(platform, 'booking-shared-baseline', SHARED).template, 'AWS::CloudTrail::Trail');
    const [management, data] = trail.Properties.AdvancedEventSelectors;
    assert.deepEqual(management.FieldSelectors, [{ Field: 'eventCategory', Equals: ['Management'] }]);
    assert.deepEqual(data.FieldSelectors.slice(0, 2), [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
    ]);
    const arnPrefix = (bucketPrefix: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${bucketPrefix}`]],
    });
    assert.deepEqual(data.FieldSelectors[2], {
      Field: 'resources.ARN',
      StartsWith: [arnPrefix('booking-dev-pipeline-')],
    });
    // The prefix is the start of the name CloudFormation gives the artifacts bucket.
    const pipeline = platform.json('dev', 'pipeline');
    assert.equal(resourcesOfType(pipeline, 'AWS::S3::Bucket').length, 1);
    assert.equal(resourcesOfType(pipeline, 'AWS::S3::Bucket')[0][1].Properties.BucketName, undefined);
    assert.equal(platform.artifact('dev', 'pipeline').stackName, 'booking-dev-pipeline');

    // Each account's trail records its own environments' buckets.
    const prefixes = (account: string, name: string) =>
      one(stack(all, name, account).template, 'AWS::CloudTrail::Trail')[1].Properties.AdvancedEventSelectors[1]
        .FieldSelectors[2].StartsWith;
    assert.deepEqual(prefixes(SHARED, 'booking-shared-baseline'), [arnPrefix('booking-dev-pipeline-')]);
    assert.deepEqual(prefixes(PROD, `booking-shared-baseline-${PROD}`), [arnPrefix('booking-prod-pipeline-')]);
  });

  test('GuardDuty: every protection plan named; S3 Protection on, the rest off by default', () => {
    const [, detector] = one(stack(platform, 'booking-shared-baseline', SHARED).template, 'AWS::GuardDuty::Detector');
    assert.equal(detector.Properties.Enable, true);
    const status = Object.fromEntries(detector.Properties.Features.map((f: any) => [f.Name, f.Status]));
    assert.deepEqual(status, {
      S3_DATA_EVENTS: 'ENABLED',
      EKS_AUDIT_LOGS: 'DISABLED',
      EBS_MALWARE_PROTECTION: 'DISABLED',
      RDS_LOGIN_EVENTS: 'DISABLED',
      LAMBDA_NETWORK_LOGS: 'DISABLED',
      RUNTIME_MONITORING: 'DISABLED',
    });
    // Security Hub is off by default.
    const baseline = stack(platform, 'booking-shared-baseline', SHARED).template;
    assert.equal(resourcesOfType(baseline, 'AWS::SecurityHub::Hub').length, 0);
    assert.equal(resourcesOfType(baseline, 'AWS::SecurityHub::Standard').length, 0);
  });

  test('one baseline per account: the shared account and the prod account each get trail, GuardDuty, Security Hub', () => {
    const baselines = all.assembly.stacksRecursively
      .filter((s) => s.stackName.startsWith('booking-shared-baseline'))
      .map((s) => `${s.hierarchicalId} ${s.stackName} ${s.environment.account} ${s.environment.region}`)
      .sort();
    assert.deepEqual(baselines, [
      `booking-shared/baseline booking-shared-baseline ${SHARED} eu-west-2`,
      `booking-shared/baseline-${PROD} booking-shared-baseline-${PROD} ${PROD} eu-west-2`,
    ]);
    for (const [name, account] of [
      ['booking-shared-baseline', SHARED],
      [`booking-shared-baseline-${PROD}`, PROD],
    ]) {
      const template = stack(all, name, account).template;
      const [, trail] = one(template, 'AWS::CloudTrail::Trail');
      assert.equal(trail.Properties.TrailName, 'booking-audit');
      const [, detector] = one(template, 'AWS::GuardDuty::Detector');
      const runtime = detector.Properties.Features.find((f: any) => f.Name === 'RUNTIME_MONITORING');
      assert.equal(runtime.Status, 'ENABLED');
      assert.deepEqual(
        runtime.AdditionalConfiguration.find((c: any) => c.Name === 'ECS_FARGATE_AGENT_MANAGEMENT'),
        { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'ENABLED' },
      );
      const [hubId, hub] = one(template, 'AWS::SecurityHub::Hub');
      assert.equal(hub.Properties.EnableDefaultStandards, false);
      assert.equal(hub.Properties.ControlFindingGenerator, 'SECURITY_CONTROL');
      const [, standard] = one(template, 'AWS::SecurityHub::Standard');
      assert.deepEqual(standard.Properties.StandardsArn, {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':securityhub:',
            { Ref: 'AWS::Region' },
            '::standards/aws-foundational-security-best-practices/v/1.0.0',
          ],
        ],
      });
      assert.ok(standard.DependsOn.includes(hubId));
    }
  });

  test('options: CloudWatch Logs delivery through a role only CloudTrail assumes, access logs, retention', () => {
    const template = stack(all, 'booking-shared-baseline', SHARED).template;
    const [logGroupId, logGroup] = one(template, 'AWS::Logs::LogGroup');
    assert.equal(logGroup.Properties.LogGroupName, '/booking/audit-trail');
    assert.equal(logGroup.Properties.RetentionInDays, 90);
    const [roleId, role] = one(template, 'AWS::IAM::Role');
    assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal, {
      Service: 'cloudtrail.amazonaws.com',
    });
    const [, trail] = one(template, 'AWS::CloudTrail::Trail');
    assert.deepEqual(trail.Properties.CloudWatchLogsLogGroupArn, { 'Fn::GetAtt': [logGroupId, 'Arn'] });
    assert.deepEqual(trail.Properties.CloudWatchLogsRoleArn, { 'Fn::GetAtt': [roleId, 'Arn'] });
    const buckets = resourcesOfType(template, 'AWS::S3::Bucket');
    assert.equal(buckets.length, 2);
    const logs = buckets.find(([, b]) => b.Properties.LoggingConfiguration);
    assert.ok(logs, 'the trail bucket logs its access');
    assert.equal(logs[1].Properties.LifecycleConfiguration.Rules[0].ExpirationInDays, 400);
  });

  test("'existing' and 'off' create nothing: no baseline stack", () => {
    assert.equal(
      none.assembly.stacksRecursively.filter((s) => s.stackName.startsWith('booking-shared-baseline')).length,
      0,
    );
  });

  test('GuardDuty and Security Hub in each further region an account uses; the trail only once', () => {
    const dev = environmentNamed(platformConfig, 'dev');
    const elsewhere = { ...dev, name: 'us', region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1b'] };
    const accounts = baselineAccounts(platformConfig.shared, [dev, elsewhere, { ...dev, name: 'p', account: PROD }]);
    assert.deepEqual(
      accounts.map((a) => [a.account, a.regions, a.environments.map((e) => e.name)]),
      [
        [SHARED, ['eu-west-2', 'us-east-1'], ['dev', 'us']],
        [PROD, ['eu-west-2'], ['p']],
      ],
    );
  });

  test('bad baseline config fails with the field, the value and the fix', () => {
    const issues = findConfigIssues(
      withBaseline({
        guardDuty: { mode: 'enabled' },
        securityHub: { mode: 'on' },
        trail: { retentionDays: 30, cloudWatchLogsRetentionDays: 45, s3DataEvents: 'yes' },
        usage: { managementEvents: -1, eventsPerMonth: 5 },
      }),
    );
    const byField = Object.fromEntries(issues.map((issue) => [issue.field, issue.message]));
    assert.match(
      byField['shared.accountBaseline.guardDuty.mode'],
      /^"enabled" is not a baseline mode.*'existing' when it is already enabled/,
    );
    assert.match(byField['shared.accountBaseline.securityHub.mode'], /^"on" is not a baseline mode/);
    assert.match(
      byField['shared.accountBaseline.trail.retentionDays'],
      /^30 is out of range \(use a whole number from 90 to 3653/,
    );
    assert.match(
      byField['shared.accountBaseline.trail.cloudWatchLogsRetentionDays'],
      /^"45" is not a retention CloudWatch Logs accepts/,
    );
    assert.match(byField['shared.accountBaseline.trail.s3DataEvents'], /^"yes" is not true or false/);
    assert.match(
      byField['shared.accountBaseline.usage.managementEvents'],
      /^-1 is not a volume \(use a number >= 0, e.g. 500000\)/,
    );
    assert.match(byField['shared.accountBaseline.usage.eventsPerMonth'], /is not a baseline usage figure/);
    assert.equal(issues.length, 7);
    assert.deepEqual(findConfigIssues(withBaseline({ guardDuty: { mode: 'existing' } })), []);
  });

  test('estimator: the committed baseline of one account, its lines and figures', () => {
    const shared = estimateShared(platformConfig);
    const line = (type: string) => {
      const found = shared.lines.filter((l) => l.stack === 'booking-shared-baseline' && l.type === type);
      assert.equal(found.length, 1, type);
      return found[0];
    };
    assert.equal(line('AWS::KMS::Key').monthlyUsd, 1);
    const trail = line('AWS::CloudTrail::Trail');
    assert.equal(trail.status, 'priced');
    // 0.2 GB of log files a month kept 365 days: 2.40 GB x 0.024 USD.
    assert.equal(trail.monthlyUsd, 0.06);
    assert.match(
      trail.basis,
      /2\.40 GB-months of log files in S3 .* x 0\.024 USD\/GB-month; first copy of management events free/,
    );
    const guardDuty = line('AWS::GuardDuty::Detector');
    // 0.5 M management events x 4 + 1 GB flow/DNS x 1 + 0.2 M S3 data events x 0.8.
    assert.equal(guardDuty.monthlyUsd, 3.16);
    assert.match(guardDuty.basis, /0\.50 million CloudTrail management events analysed \(500,000\) x 4 USD/);
    assert.equal(shared.lines.filter((l) => l.status === 'unpriced').length, 0);
    const baselineTotal = shared.lines
      .filter((l) => l.stack.startsWith('booking-shared-baseline'))
      .reduce((sum, l) => sum + l.monthlyUsd, 0);
    assert.equal(Math.round(baselineTotal * 100) / 100, 4.22);
    assert.equal(shared.totalUsd, 5.42);
  });

  test('estimator: every option on, per account (data events, CloudWatch Logs, runtime monitoring, Security Hub)', () => {
    const stacks = all.assembly.stacksRecursively
      .filter((s) => s.stackName.startsWith('booking-shared-baseline'))
      .map((s) => ({ stackName: s.stackName, region: s.environment.region, template: s.template }));
    const zero = Object.fromEntries(Object.keys(platformConfig.environments[0].usage).map((k) => [k, 0]));
    const priced = estimate({
      environment: 'shared',
      state: 'running',
      region: 'eu-west-2',
      logRetentionDays: 30,
      usage: zero as any,
      stacks,
      priceTables: priceTableFor,
    });
    const usd = (stackName: string, type: string) =>
      priced.lines.find((l) => l.stack === stackName && l.type === type)!.monthlyUsd;
    const u = DEFAULT_BASELINE_USAGE;
    for (const name of ['booking-shared-baseline', `booking-shared-baseline-${PROD}`]) {
      // 20,000 data events x 0.10 / 100,000 + 0.2 GB x 400 / 30.4 x 0.024 + 2 GB x 0.5985 + 2 x 90 / 30.4 x 0.0315.
      const trail =
        (u.trailDataEvents / 100_000) * 0.1 + ((0.2 * 400) / 30.4) * 0.024 + 2 * 0.5985 + ((2 * 90) / 30.4) * 0.0315;
      assert.equal(usd(name, 'AWS::CloudTrail::Trail'), Math.round(trail * 100) / 100);
      // 3.16 plus 2 monitored Fargate vCPUs x 1.50.
      assert.equal(usd(name, 'AWS::GuardDuty::Detector'), 6.16);
      // 15,000 checks x 0.001; 2,000 finding events are within the free 10,000.
      assert.equal(usd(name, 'AWS::SecurityHub::Standard'), 15);
      assert.equal(usd(name, 'AWS::SecurityHub::Hub'), 0);
    }
    assert.equal(priced.lines.filter((l) => l.status === 'unpriced').length, 0);
  });
});
