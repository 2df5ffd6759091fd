import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { runCost } from '../../src/cli/commands/cost';
import { environmentNamed, findConfigIssues, platformConfig, type PlatformConfig } from '../../src/config';
import type { InterfaceEndpointName } from '../../src/config/types';
import { endpointBreakEven, formatBreakEven, REFERENCE_ENDPOINTS } from '../../src/cost/endpoint-break-even';
import { environmentStacks, estimateStacks } from '../../src/cost/environment-cost';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { NetworkStack } from '../../src/stacks/network-stack';
import { resourcesOfType, synth, type SynthesizedPlatform, withEnvironment } from '../helpers';

const ALL: readonly InterfaceEndpointName[] = [
  'ecr-api',
  'ecr-dkr',
  'logs',
  'ssm',
  'ssmmessages',
  'ec2messages',
  'secretsmanager',
  'sts',
];

/** The AWS service name each short name must become in London. */
const SERVICE_NAMES: Record<InterfaceEndpointName, string> = {
  'ecr-api': 'com.amazonaws.eu-west-2.ecr.api',
  'ecr-dkr': 'com.amazonaws.eu-west-2.ecr.dkr',
  logs: 'com.amazonaws.eu-west-2.logs',
  ssm: 'com.amazonaws.eu-west-2.ssm',
  ssmmessages: 'com.amazonaws.eu-west-2.ssmmessages',
  ec2messages: 'com.amazonaws.eu-west-2.ec2messages',
  secretsmanager: 'com.amazonaws.eu-west-2.secretsmanager',
  sts: 'com.amazonaws.eu-west-2.sts',
};

/**
 * prod (NAT, rotation on) with every endpoint; dev (public egress, no NAT) with rotation on, so
 * rotation needs a Secrets Manager endpoint, and a list that names it too.
 */
const variant: PlatformConfig = withEnvironment(
  'dev',
  {
    network: { interfaceEndpoints: ['ecr-api', 'ecr-dkr', 'secretsmanager'] },
    database: { credentialRotation: { enabled: true, everyDays: 7 } },
  },
  withEnvironment('prod', { network: { interfaceEndpoints: ALL }, usage: { endpointDataGiB: 40 } }),
);

function interfaceEndpoints(template: Record<string, any>): Array<[string, any]> {
  return resourcesOfType(template, 'AWS::EC2::VPCEndpoint').filter(
    ([, endpoint]) => endpoint.Properties.VpcEndpointType === 'Interface',
  );
}

/** `<source group> <port>` for every ingress rule of a group, inline or separate, prefixed by a stable id. */
function ingressOf(template: Record<string, any>, groupLogicalId: string): string[] {
  const stable = (id: string) => id.replace(/[0-9A-F]{8}$/, '');
  const inline = (template.Resources[groupLogicalId].Properties.SecurityGroupIngress ?? []).map(
    (rule: any) => `${rule.CidrIp ?? rule.SourceSecurityGroupId} ${rule.IpProtocol}/${rule.FromPort}-${rule.ToPort}`,
  );
  const separate = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')
    .map(([, rule]) => rule.Properties)
    .filter((rule) => rule.GroupId['Fn::GetAtt'][0] === groupLogicalId)
    .map(
      (rule) =>
        `${stable(rule.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] ?? rule.CidrIp)} ${rule.IpProtocol}/${rule.FromPort}-${rule.ToPort}`,
    );
  return [...inline, ...separate].sort();
}

function tag(resource: any, key: string): string | undefined {
  return resource.Properties.Tags?.find((candidate: any) => candidate.Key === key)?.Value;
}

function onlyIssue(config: PlatformConfig): string {
  const issues = findConfigIssues(config);
  assert.equal(issues.length, 1, JSON.stringify(issues));
  return `config error in ${issues[0].field}: ${issues[0].message}`;
}

describe('VPC interface endpoints (network.interfaceEndpoints)', () => {
  let platform: SynthesizedPlatform;

  before(() => {
    // Once for the file, quality gates on: cdk-nag and the template validator pass.
    platform = synth(variant);
  });

  test('one endpoint per listed service, with the AWS service name it maps to', () => {
    const names = interfaceEndpoints(platform.json('prod', 'network'))
      .map(([, endpoint]) => endpoint.Properties.ServiceName)
      .sort();
    assert.deepEqual(names, ALL.map((name) => SERVICE_NAMES[name]).sort());
  });

  test('each endpoint sits in the private subnet of every AZ, private DNS on, tagged networking', () => {
    const template = platform.json('prod', 'network');
    const subnets = Object.fromEntries(
      resourcesOfType(template, 'AWS::EC2::Subnet').map(([id, subnet]) => [
        id,
        `${tag(subnet, 'aws-cdk:subnet-name')} ${subnet.Properties.AvailabilityZone}`,
      ]),
    );
    for (const [id, endpoint] of interfaceEndpoints(template)) {
      const placed = endpoint.Properties.SubnetIds.map((ref: any) => subnets[ref.Ref]).sort();
      assert.deepEqual(placed, ['private eu-west-2a', 'private eu-west-2b'], id);
      assert.equal(endpoint.Properties.PrivateDnsEnabled, true, id);
      assert.equal(tag(endpoint, 'module'), 'networking', id);
    }
  });

  test('one security group for all of them: HTTPS from the web, worker and rotation groups, nothing else', () => {
    const template = platform.json('prod', 'network');
    const groups = new Set(
      interfaceEndpoints(template).flatMap(([, endpoint]) =>
        endpoint.Properties.SecurityGroupIds.map((id: any) => id['Fn::GetAtt'][0]),
      ),
    );
    assert.equal(groups.size, 1);
    const [group] = groups;
    assert.deepEqual(ingressOf(template, group), [
      'NetworkingDrillTaskSecurityGroup tcp/443-443',
      'NetworkingRotationSecurityGroup tcp/443-443',
      'NetworkingWebSecurityGroup tcp/443-443',
      'NetworkingWorkerSecurityGroup tcp/443-443',
    ]);
    const properties = template.Resources[group].Properties;
    assert.match(properties.GroupDescription, /^Interface endpoints: HTTPS from web and worker tasks/);
    // No egress: CDK's placeholder rule that matches nothing.
    assert.deepEqual(
      properties.SecurityGroupEgress.map((rule: any) => rule.CidrIp),
      ['255.255.255.255/32'],
    );
    assert.equal(tag(template.Resources[group], 'module'), 'networking');
  });

  test('rotation without NAT and a list naming secretsmanager: one Secrets Manager endpoint, shared', () => {
    const template = platform.json('dev', 'network');
    const endpoints = interfaceEndpoints(template);
    assert.deepEqual(endpoints.map(([, endpoint]) => endpoint.Properties.ServiceName).sort(), [
      SERVICE_NAMES['ecr-api'],
      SERVICE_NAMES['ecr-dkr'],
      SERVICE_NAMES.secretsmanager,
    ]);
    assert.equal(resourcesOfType(template, 'AWS::EC2::SecurityGroup').filter(([id]) => /Endpoint/.test(id)).length, 1);
    const group = endpoints[0][1].Properties.SecurityGroupIds[0]['Fn::GetAtt'][0];
    assert.deepEqual(ingressOf(template, group), [
      'NetworkingDrillTaskSecurityGroup tcp/443-443',
      'NetworkingRotationSecurityGroup tcp/443-443',
      'NetworkingWebSecurityGroup tcp/443-443',
      'NetworkingWorkerSecurityGroup tcp/443-443',
    ]);
    // The rotation functions: PostgreSQL to the database and HTTPS to the endpoints, nothing else.
    const rotationEgress = resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress')
      .map(([, rule]) => rule.Properties)
      .filter((rule) => /RotationSecurityGroup/.test(rule.GroupId['Fn::GetAtt'][0]))
      .map((rule) => `${rule.FromPort} ${rule.DestinationSecurityGroupId['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '')}`)
      .sort();
    assert.deepEqual(rotationEgress, [
      '443 NetworkingInterfaceEndpointSecurityGroup',
      '5432 NetworkingDatabaseSecurityGroup',
    ]);
  });

  test('priced per AZ-hour and per GB: 2 AZ x 730 h x 0.011 + 40 GB / 8 x 0.01 = 16.11 each running, 16.06 paused', () => {
    const env = environmentNamed(variant, 'prod');
    const stacks = environmentStacks(platform.assembly, variant.shared.appName, 'prod');
    const running = estimateStacks(env, 'running', stacks);
    const lines = running.lines.filter((line) => line.type === 'AWS::EC2::VPCEndpoint' && line.status === 'priced');
    assert.equal(lines.length, 8);
    for (const line of lines) {
      assert.equal(line.monthlyUsd, 16.11, line.logicalId);
      assert.equal(line.module, 'networking');
      assert.equal(
        line.basis,
        '1460 AZ-hours (2 AZ) x 0.011 USD/endpoint AZ-hour + 5 GB processed x 0.01 USD/GB processed',
      );
    }
    assert.match(running.assumptions.join('\n'), /interface endpoints: 40 GB a month processed in all/);
    const paused = estimateStacks(env, 'paused', stacks);
    for (const line of paused.lines.filter((l) => l.type === 'AWS::EC2::VPCEndpoint' && l.status === 'priced'))
      assert.equal(line.monthlyUsd, 16.06, line.logicalId);
    // The S3 gateway endpoint stays free.
    assert.ok(running.lines.some((line) => line.type === 'AWS::EC2::VPCEndpoint' && line.status === 'free'));
  });

  test('break-even against the NAT gateway: the committed prod (none listed) priced for the seven of the seed plus Secrets Manager', () => {
    const prod = endpointBreakEven(environmentNamed(platformConfig, 'prod'));
    assert.deepEqual(prod.endpoints, REFERENCE_ENDPOINTS);
    assert.equal(prod.configured, false);
    // 7 x 2 x 0.011 x 730 = 112.42; 112.42 / (0.05 - 0.01) = 2810.5 GB.
    assert.equal(prod.fixedMonthlyUsd, 112.42);
    assert.equal(prod.breakEvenGiB, 2810.5);
    assert.equal(prod.natGateways, 1);
    // 36.50 hours + 3.65 public IPv4.
    assert.equal(prod.natFixedMonthlyUsd, 40.15);
    // At prod's 20 GB through the NAT: saves 0.80 at most against 112.42.
    assert.equal(prod.bestCaseSavingUsd, -111.62);
    assert.equal(prod.natRemovable, false);
    assert.match(prod.natRemovableReason, /third-party services/);
    assert.equal(
      formatBreakEven(prod),
      'VPC endpoints (none configured; priced for ecr-api, ecr-dkr, logs, ssm, ssmmessages, ec2messages, secretsmanager): ' +
        '7 x 2 AZ x 730 h x 0.011 = 112.42 USD/month + 0.01/GB, against NAT 0.05/GB: cheaper above 2810.5 GB/month of ' +
        'AWS-bound traffic (at 20 GB through the NAT: costs 111.62 USD/month at best); the NAT gateway stays: tasks call ' +
        'third-party services on the internet, which no endpoint serves',
    );
  });

  test('break-even for a given list and for the configured one; none without a NAT gateway', () => {
    const committedProd = environmentNamed(platformConfig, 'prod');
    // One endpoint in two AZs: 16.06 / 0.04 = 401.5 GB; the ECR pair: 32.12 -> 803 GB.
    assert.equal(endpointBreakEven(committedProd, ['logs']).breakEvenGiB, 401.5);
    const ecr = endpointBreakEven(committedProd, ['ecr-api', 'ecr-dkr']);
    assert.deepEqual([ecr.fixedMonthlyUsd, ecr.breakEvenGiB], [32.12, 803]);
    assert.equal(endpointBreakEven(committedProd, []).breakEvenGiB, 0);

    const configured = endpointBreakEven(environmentNamed(variant, 'prod'));
    assert.equal(configured.configured, true);
    assert.deepEqual([configured.fixedMonthlyUsd, configured.breakEvenGiB], [128.48, 3212]);
    assert.match(formatBreakEven(configured), /^VPC endpoints \(configured: ecr-api, .*, sts\): 8 x 2 AZ/);

    // dev: public egress, no NAT processing to save.
    const dev = endpointBreakEven(environmentNamed(platformConfig, 'dev'));
    assert.equal(dev.fixedMonthlyUsd, 112.42);
    assert.equal(dev.breakEvenGiB, null);
    assert.equal(dev.natGateways, 0);
    assert.match(formatBreakEven(dev), /no NAT gateway here \(public egress\).*they never pay for themselves$/);
  });

  test('booking-infra cost prints the break-even under the estimate; JSON adds endpointBreakEven', () => {
    const table: string[] = [];
    runCost(variant, ['prod'], { state: 'running', format: 'table', assembly: platform.assembly.directory }, (text) =>
      table.push(text),
    );
    const [listing] = table;
    assert.match(
      listing,
      /\nVPC endpoints \(configured: [^)]*\): 8 x 2 AZ x 730 h x 0\.011 = 128\.48 USD\/month \+ 0\.01\/GB, against NAT 0\.05\/GB: cheaper above 3212 GB\/month/,
    );
    // Under the estimate, after its assumptions.
    assert.ok(listing.indexOf('VPC endpoints (') > listing.indexOf('assumptions:'));

    const json: string[] = [];
    runCost(variant, ['prod'], { state: 'running', format: 'json', assembly: platform.assembly.directory }, (text) =>
      json.push(text),
    );
    const report = JSON.parse(json[0]);
    assert.deepEqual(Object.keys(report), ['currency', 'hoursPerMonth', 'summary', 'estimates', 'endpointBreakEven']);
    assert.deepEqual(
      report.endpointBreakEven.map((b: any) => [b.environment, b.fixedMonthlyUsd, b.breakEvenGiB, b.natRemovable]),
      [['prod', 128.48, 3212, false]],
    );
  });

  test('validation: known names with a did-you-mean, each once; public egress with ECR endpoints is valid', () => {
    assert.deepEqual(findConfigIssues(platformConfig), []);
    assert.deepEqual(findConfigIssues(variant), []);
    assert.equal(
      onlyIssue(withEnvironment('prod', { network: { interfaceEndpoints: ['ecr-apii' as InterfaceEndpointName] } })),
      'config error in prod.network.interfaceEndpoints[0]: "ecr-apii" is not an interface endpoint service (did you mean "ecr-api"?)',
    );
    assert.equal(
      onlyIssue(withEnvironment('prod', { network: { interfaceEndpoints: ['cloudwatch' as InterfaceEndpointName] } })),
      'config error in prod.network.interfaceEndpoints[0]: "cloudwatch" is not an interface endpoint service ' +
        '(use one of: ecr-api, ecr-dkr, logs, ssm, ssmmessages, ec2messages, secretsmanager, sts)',
    );
    assert.equal(
      onlyIssue(withEnvironment('prod', { network: { interfaceEndpoints: ['logs', 'sts', 'logs'] } })),
      'config error in prod.network.interfaceEndpoints[2]: "logs" is listed twice (one endpoint per service; remove one)',
    );
    assert.equal(
      onlyIssue(
        withEnvironment('prod', { network: { interfaceEndpoints: 'logs' as unknown as InterfaceEndpointName[] } }),
      ),
      'config error in prod.network.interfaceEndpoints: "logs" is not a list of service names (use [] for none, e.g. ["ecr-api"])',
    );
    // ECR endpoints need S3 for the layers: the gateway endpoint is always there, so no egress
    // mode makes them invalid.
    assert.deepEqual(
      findConfigIssues(
        withEnvironment('dev', { network: { egress: 'public', interfaceEndpoints: ['ecr-api', 'ecr-dkr'] } }),
      ),
      [],
    );
  });

  test('none while minimal: the network stack alone, built in the minimal structure', () => {
    const env = environmentNamed(variant, 'prod');
    const counts = (['running', 'minimal'] as const).map((state) => {
      const stack = new NetworkStack(new App(), 'Network', {
        config: { ...env, state },
        availabilityZones: env.availabilityZones,
        env: { account: env.account, region: env.region },
      });
      return interfaceEndpoints(Template.fromStack(stack).toJSON()).length;
    });
    assert.deepEqual(counts, [8, 0]);
  });

  test('the committed environments list none', () => {
    for (const env of platformConfig.environments) assert.deepEqual(env.network.interfaceEndpoints, [], env.name);
  });
});
