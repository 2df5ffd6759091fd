import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { type EnvironmentConfig, platformConfig, type PlatformConfig, withAccountOverrides } from '../../src/config';
import { environmentStacks, estimateStacks } from '../../src/cost/environment-cost';
import { entryPointSettings } from '../../src/entry-point';
import { githubConnectionParameter } from '../../src/modules/parameters/parameter-names';
import { summarizeStacks } from '../../src/summary';
import { resourcesOfType, synth, type SynthesizedPlatform, onlyEnvironment } from '../helpers';

const SHARED = '111111111111';
const PROD = '222222222222';
const VARIABLES = { BOOKING_PROD_ACCOUNT: PROD };

/**
 * AWS's recommended layout (issue 13, item 2): prod in an account of its own; the hosted zone, the
 * image repository and dev in the shared account. Set as a user does, through the entry point's
 * variables.
 */
const config: PlatformConfig = entryPointSettings(VARIABLES).config;

describe('prod in its own account, shared resources and dev in another', () => {
  let platform: SynthesizedPlatform;
  let stacks: CloudFormationStackArtifact[];
  const template = (name: string, account: string) => {
    const stack = stacks.find((s) => s.stackName === name && s.environment.account === account);
    if (!stack) throw new Error(`no stack ${name} in ${account}`);
    return stack.template;
  };
  const resource = (template: any, type: string) => {
    const found = resourcesOfType(template, type);
    assert.equal(found.length, 1, `one ${type}`);
    return found[0][1];
  };

  before(() => {
    // With the quality gates on: an unacknowledged cdk-nag finding fails the synth.
    platform = synth(config);
    stacks = platform.assembly.stacksRecursively;
  });

  test('the entry point and the CLI read BOOKING_PROD_ACCOUNT alike, and the layout is valid', () => {
    assert.deepEqual(config, withAccountOverrides(platformConfig, VARIABLES));
    assert.equal(config.environments.find((env) => env.name === 'prod')!.account, PROD);
    assert.equal(config.shared.account, SHARED);
  });

  test('every stack is in the account it belongs to; the prod account gets its own GitHub connection stack', () => {
    const placed = summarizeStacks(platform.assembly).map((s) => `${s.cdkId} ${s.stackName} ${s.account}`);
    for (const part of ['network', 'data', 'ops', 'app', 'pipeline']) {
      assert.ok(placed.includes(`booking-prod/${part} booking-prod-${part} ${PROD}`), part);
      assert.ok(placed.includes(`booking-dev/${part} booking-dev-${part} ${SHARED}`), part);
    }
    for (const part of ['dns', 'images', 'source']) {
      assert.ok(placed.includes(`booking-shared/${part} booking-shared-${part} ${SHARED}`), part);
    }
    assert.ok(placed.includes(`booking-shared/source-${PROD} booking-shared-source ${PROD}`));
    // The pipeline in the prod account reads the connection from its own account's parameter.
    const parameter = resource(template('booking-shared-source', PROD), 'AWS::SSM::Parameter');
    assert.equal(parameter.Properties.Name, githubConnectionParameter('booking'));
    resource(template('booking-shared-source', PROD), 'AWS::CodeStarConnections::Connection');
  });

  test("the shared zone delegates exactly prod's API and CDN hosts to a role the prod account assumes", () => {
    const dns = template('booking-shared-dns', SHARED);
    const [[, role]] = resourcesOfType(dns, 'AWS::IAM::Role');
    assert.equal(role.Properties.RoleName, 'booking-prod-dns-delegation');
    // Only the delegation records' handler roles in prod's app and edge stacks, not any principal of prod.
    assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${PROD}:root` },
        Condition: {
          ArnLike: {
            'aws:PrincipalArn': [
              `arn:aws:iam::${PROD}:role/booking-prod-app-*`,
              `arn:aws:iam::${PROD}:role/booking-prod-edge-*`,
            ],
          },
        },
      },
    ]);
    const [[, policy]] = resourcesOfType(dns, 'AWS::IAM::Policy');
    const [write, list] = policy.Properties.PolicyDocument.Statement;
    assert.equal(write.Action, 'route53:ChangeResourceRecordSets');
    assert.deepEqual(write.Condition['ForAllValues:StringEquals'], {
      'route53:ChangeResourceRecordSetsRecordTypes': ['NS'],
      'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['api.lichnails.co.uk', 'static.lichnails.co.uk'],
    });
    assert.deepEqual(write.Resource['Fn::Join'][1][1], { Ref: resourcesOfType(dns, 'AWS::Route53::HostedZone')[0][0] });
    assert.equal(list.Action, 'route53:ListHostedZonesByName');
  });

  test("prod's CDN host is a zone of its own in its us-east-1 edge stack, delegated, and its certificate validated there", () => {
    const edge = template('booking-prod-edge', PROD);
    const [[zoneId, zone]] = resourcesOfType(edge, 'AWS::Route53::HostedZone');
    assert.equal(zone.Properties.Name, 'static.lichnails.co.uk.');
    const delegation = resource(edge, 'Custom::CrossAccountZoneDelegation');
    assert.equal(delegation.Properties.AssumeRoleArn, `arn:aws:iam::${SHARED}:role/booking-prod-dns-delegation`);
    assert.equal(delegation.Properties.DelegatedZoneName, 'static.lichnails.co.uk');
    const certificate = resource(edge, 'AWS::CertificateManager::Certificate');
    const [[delegationId]] = resourcesOfType(edge, 'Custom::CrossAccountZoneDelegation');
    assert.ok([certificate.DependsOn].flat().includes(delegationId), JSON.stringify(certificate.DependsOn));
    assert.deepEqual(certificate.Properties.DomainValidationOptions, [
      { DomainName: 'static.lichnails.co.uk', HostedZoneId: { Ref: zoneId } },
    ]);
    // The distribution's records go into that zone (a cross-region reference from the data stack).
    const data = template('booking-prod-data', PROD);
    const records = resourcesOfType(data, 'AWS::Route53::RecordSet').map(([, r]) => r.Properties);
    assert.deepEqual(records.map((r) => r.Type).sort(), ['A', 'AAAA']);
    for (const record of records) assert.match(JSON.stringify(record.HostedZoneId), /"Region":"us-east-1"/);
  });

  test("prod's API host is a zone of its own, delegated, validated and pointed at prod's load balancer", () => {
    const app = template('booking-prod-app', PROD);
    const [[zoneId, zone]] = resourcesOfType(app, 'AWS::Route53::HostedZone');
    assert.equal(zone.Properties.Name, 'api.lichnails.co.uk.');
    const delegation = resource(app, 'Custom::CrossAccountZoneDelegation');
    assert.equal(delegation.Properties.AssumeRoleArn, `arn:aws:iam::${SHARED}:role/booking-prod-dns-delegation`);
    assert.equal(delegation.Properties.ParentZoneName, 'lichnails.co.uk');
    assert.equal(delegation.Properties.DelegatedZoneName, 'api.lichnails.co.uk');
    const certificate = resource(app, 'AWS::CertificateManager::Certificate');
    // Validation starts once the delegation exists (ACM resolves its records through public DNS).
    const [[delegationId]] = resourcesOfType(app, 'Custom::CrossAccountZoneDelegation');
    assert.ok([certificate.DependsOn].flat().includes(delegationId), JSON.stringify(certificate.DependsOn));
    assert.deepEqual(certificate.Properties.DomainValidationOptions, [
      { DomainName: 'api.lichnails.co.uk', HostedZoneId: { Ref: zoneId } },
    ]);
    const alias = resource(app, 'AWS::Route53::RecordSet');
    assert.deepEqual(alias.Properties.HostedZoneId, { Ref: zoneId });
    assert.equal(alias.Properties.Name, 'api.lichnails.co.uk.');
    // No parameter of the shared account is read: there is none in this account.
    assert.doesNotMatch(JSON.stringify(app), /hosted-zone-id/);
    // dev, in the shared account, keeps its records in the shared zone.
    const devApp = template('booking-dev-app', SHARED);
    assert.equal(resourcesOfType(devApp, 'AWS::Route53::HostedZone').length, 0);
    assert.equal(resourcesOfType(devApp, 'Custom::CrossAccountZoneDelegation').length, 0);
  });

  test('prod pulls and promotes images from the shared repository through its policy', () => {
    const images = template('booking-shared-images', SHARED);
    const repository = resource(images, 'AWS::ECR::Repository');
    const [pull, push] = repository.Properties.RepositoryPolicyText.Statement;
    assert.deepEqual(pull.Principal, { AWS: `arn:aws:iam::${PROD}:root` });
    assert.deepEqual([...pull.Action].sort(), [
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:DescribeImageScanFindings', // the scan gate of prod's build
      'ecr:DescribeImages',
      'ecr:GetDownloadUrlForLayer',
    ]);
    assert.equal(pull.Condition, undefined);
    // Pushing (a tag prod may promote, a release tag the lifecycle keeps) is for prod's pipeline
    // roles only, not for any principal of the prod account.
    assert.ok(push.Action.includes('ecr:PutImage'));
    assert.deepEqual(push.Condition, {
      ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::${PROD}:role/booking-prod-pipeline-*`] },
    });
    const repositoryArn = `arn:${'${AWS::Partition}'}:ecr:eu-west-2:${SHARED}:repository/booking`;
    const named = (document: unknown) =>
      JSON.stringify(document).includes(`:ecr:eu-west-2:${SHARED}:repository/booking`);
    // The task execution roles (pull) and the build role (promote or push) name that repository.
    const app = template('booking-prod-app', PROD);
    const pulls = resourcesOfType(app, 'AWS::IAM::Policy').filter(([, p]) => named(p.Properties.PolicyDocument));
    assert.equal(pulls.length, 2, `web and worker execution roles name ${repositoryArn}`);
    const pipeline = template('booking-prod-pipeline', PROD);
    const build = resourcesOfType(pipeline, 'AWS::CodeBuild::Project').find(
      ([, p]) => p.Properties.Name === 'booking-prod-build',
    )![1];
    const variables = Object.fromEntries(
      build.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]),
    );
    assert.equal(variables.REGISTRY, `${SHARED}.dkr.ecr.eu-west-2.amazonaws.com`);
    assert.equal(variables.REGISTRY_ID, SHARED);
    assert.ok(JSON.stringify(variables.REPOSITORY_URI).includes(`${SHARED}.dkr.ecr.eu-west-2.`));
    assert.ok(
      resourcesOfType(pipeline, 'AWS::IAM::Policy').some(([, p]) => named(p.Properties.PolicyDocument)),
      'the build role names the shared repository',
    );
  });

  test('with an adopted shared zone, the delegation names the zone by its id (no lookup by name)', () => {
    const ZONE = 'Z0123456789ABCDEFGHIJ';
    const adopted = synth(
      onlyEnvironment(
        { ...config, shared: { ...config.shared, hostedZone: { mode: 'adopt', id: ZONE, existingRecords: 'leave' } } },
        'prod',
      ),
    );
    const app = adopted.assembly.stacksRecursively.find((s) => s.stackName === 'booking-prod-app')!.template;
    const [[, delegation]] = resourcesOfType(app, 'Custom::CrossAccountZoneDelegation');
    assert.equal(delegation.Properties.ParentZoneId, ZONE);
    assert.equal(delegation.Properties.ParentZoneName, undefined);
  });

  test("prod costs its two delegated zones (API and CDN hosts) more, 0.50 USD a month each; dev's cost is unchanged", () => {
    // Priced from the templates synthesized above and the committed platform's, as `cost --assembly` does.
    const priced = (assembly: CloudAssembly, env: EnvironmentConfig) =>
      estimateStacks(env, 'running', environmentStacks(assembly, 'booking', env.name)).totalUsd;
    const committed = synth().assembly;
    const [dev, prod] = config.environments;
    const [committedDev, committedProd] = platformConfig.environments;
    assert.equal(Math.round((priced(platform.assembly, prod) - priced(committed, committedProd)) * 100) / 100, 1);
    assert.equal(priced(platform.assembly, dev), priced(committed, committedDev));
  });
});
