import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type EnvironmentConfig, environmentNamed, platformConfig } from '../../src/config';
import { parseCidr } from '../../src/config/cidr';
import { planSubnets } from '../../src/config/subnet-plan';
import { DEV_BEHIND_ALB, resourcesOfType, synth, type SynthesizedPlatform, withEnvironment } from '../helpers';

/** Every ingress rule in a template as "<group logical id> <protocol>/<port> from <source>". */
function ingressRules(template: Record<string, any>): string[] {
  const source = (rule: any) =>
    rule.CidrIp ??
    rule.CidrIpv6 ??
    rule.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] ??
    JSON.stringify(rule.SourcePrefixListId);
  const describeRule = (group: string, rule: any) =>
    `${group} ${rule.IpProtocol}/${rule.FromPort} from ${source(rule)}`;
  const inline = resourcesOfType(template, 'AWS::EC2::SecurityGroup').flatMap(([id, sg]) =>
    (sg.Properties.SecurityGroupIngress ?? []).map((rule: any) => describeRule(id, rule)),
  );
  const separate = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress').map(([, rule]) =>
    describeRule(rule.Properties.GroupId['Fn::GetAtt'][0], rule.Properties),
  );
  return [...inline, ...separate].sort();
}

/** The logical ids of the security groups with this description prefix. */
function groupsDescribed(template: Record<string, any>, descriptionPrefix: string): string[] {
  return resourcesOfType(template, 'AWS::EC2::SecurityGroup')
    .filter(([, sg]) => sg.Properties.GroupDescription.startsWith(descriptionPrefix))
    .map(([id]) => id);
}

/** The logical id of the security group with this description prefix. */
function groupId(template: Record<string, any>, descriptionPrefix: string): string {
  const match = groupsDescribed(template, descriptionPrefix);
  assert.equal(match.length, 1, `one security group described "${descriptionPrefix}"`);
  return match[0];
}

/** A group's separate egress rules as [destination group, protocol, from port, to port]. */
function egressRules(template: Record<string, any>, group: string): Array<[string, string, number, number]> {
  return resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress')
    .map(([, rule]) => rule.Properties)
    .filter((rule) => rule.GroupId['Fn::GetAtt'][0] === group)
    .map((rule) => [rule.DestinationSecurityGroupId['Fn::GetAtt'][0], rule.IpProtocol, rule.FromPort, rule.ToPort]);
}

/** The web group's description, unchanged since before the HTTP API: a new one would replace the group. */
const WEB_GROUP_DESCRIPTION = 'Web tasks: app port from the load balancer only';

/**
 * The ingress rules of both front doors, which exist whatever `ingress.kind` is: the load balancer
 * admits 80 and 443 from anywhere, the VPC link nothing (API Gateway's interfaces open every
 * connection), and web tasks admit the app port from each of the two.
 */
function frontDoorRules(template: Record<string, any>, appPort: number): string[] {
  const loadBalancer = groupId(template, 'Load balancer');
  const link = groupId(template, 'API Gateway VPC link');
  const web = groupId(template, 'Web tasks');
  return [
    `${loadBalancer} tcp/80 from 0.0.0.0/0`,
    `${loadBalancer} tcp/443 from 0.0.0.0/0`,
    `${web} tcp/${appPort} from ${loadBalancer}`,
    `${web} tcp/${appPort} from ${link}`,
  ];
}

/**
 * Each front door may send only to the app port: one rule in the group itself to the VPC's range
 * (without it, EC2's default allow-all egress would stay, as the rule to the web group is a
 * separate resource) and that separate rule to web tasks.
 */
function assertFrontDoorsReachWebTasksOnly(template: Record<string, any>, appPort: number): void {
  const [[vpc]] = resourcesOfType(template, 'AWS::EC2::VPC');
  const web = groupId(template, 'Web tasks');
  assert.equal(template.Resources[web].Properties.GroupDescription, WEB_GROUP_DESCRIPTION);
  for (const door of [groupId(template, 'Load balancer'), groupId(template, 'API Gateway VPC link')]) {
    assert.deepEqual(
      template.Resources[door].Properties.SecurityGroupEgress,
      [
        {
          CidrIp: { 'Fn::GetAtt': [vpc, 'CidrBlock'] },
          Description: 'App port within the VPC only (the web tasks)',
          FromPort: appPort,
          IpProtocol: 'tcp',
          ToPort: appPort,
        },
      ],
      door,
    );
    assert.deepEqual(egressRules(template, door), [[web, 'tcp', appPort, appPort]], door);
  }
}

/** The cache group's description prefix (the cache task's files group is "Cache data (EFS)"). */
const CACHE_GROUP = 'Cache:';
/** The cache task's EFS file system's group (`cache.hosting: 'task'` only). */
const CACHE_FILES_GROUP = 'Cache data (EFS)';

/** CDK's match-nothing egress rule: a group with it sends nothing. */
const NOTHING_OUT = [
  { CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', FromPort: 252, IpProtocol: 'icmp', ToPort: 86 },
];

/** The ingress rules behind the front door, whichever it is: database, cache, rotation, drill. */
function behindTheFrontDoor(template: Record<string, any>, env: EnvironmentConfig): string[] {
  const web = groupId(template, 'Web tasks');
  const worker = groupId(template, 'Worker');
  const database = groupId(template, 'Database');
  const cache = groupId(template, CACHE_GROUP);
  return [
    `${database} tcp/5432 from ${web}`,
    `${database} tcp/5432 from ${worker}`,
    `${cache} tcp/6379 from ${web}`,
    `${cache} tcp/6379 from ${worker}`,
    // A cache task keeps its data on EFS: the file system's group admits NFS from the cache task only.
    ...(env.cache.hosting === 'task' ? [`${groupId(template, CACHE_FILES_GROUP)} tcp/2049 from ${cache}`] : []),
    // Prod rotates its credentials: the rotation functions log in to the database.
    ...(env.database.credentialRotation?.enabled
      ? [`${database} tcp/5432 from ${groupId(template, 'Credential rotation')}`]
      : []),
    // The restore drill's instance admits its verification task only.
    `${groupId(template, 'Restored database of a drill')} tcp/5432 from ${groupId(template, 'Restore drill task')}`,
  ];
}

/**
 * What the data groups send. The database's carries CDK's match-nothing rule: nothing goes out.
 * So does an ElastiCache cache's. A cache task (`cache.hosting: 'task'`) runs in the cache group:
 * HTTPS out (its image, logs and secrets) and NFS to its file system's group, which sends nothing.
 */
function assertDataGroupsEgress(template: Record<string, any>, env: EnvironmentConfig): void {
  const database = groupId(template, 'Database');
  const cache = groupId(template, CACHE_GROUP);
  assert.deepEqual(template.Resources[database].Properties.SecurityGroupEgress, NOTHING_OUT, 'database');
  assert.deepEqual(egressRules(template, database), [], 'database');
  if (env.cache.hosting !== 'task') {
    assert.deepEqual(template.Resources[cache].Properties.SecurityGroupEgress, NOTHING_OUT, 'cache');
    assert.deepEqual(egressRules(template, cache), [], 'cache');
    assert.deepEqual(groupsDescribed(template, CACHE_FILES_GROUP), [], 'no cache files group');
    return;
  }
  const files = groupId(template, CACHE_FILES_GROUP);
  assert.deepEqual(
    template.Resources[cache].Properties.SecurityGroupEgress,
    [
      {
        CidrIp: '0.0.0.0/0',
        Description: 'HTTPS out: image, logs, secrets',
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
    ],
    'cache task',
  );
  assert.deepEqual(egressRules(template, cache), [[files, 'tcp', 2049, 2049]], 'cache task: NFS to its files only');
  assert.deepEqual(template.Resources[files].Properties.SecurityGroupEgress, NOTHING_OUT, 'cache files');
  assert.deepEqual(egressRules(template, files), [], 'cache files');
}

const DEV = environmentNamed(platformConfig, 'dev');

/**
 * Dev behind the ALB, as it ran before its HTTP API: its network holds the same groups and rules
 * as dev's as committed, which the tests check on it, on prod and on dev behind the HTTP API.
 */
const DEV_ALB: EnvironmentConfig = DEV_BEHIND_ALB;

function subnetsOf(template: Record<string, any>) {
  return resourcesOfType(template, 'AWS::EC2::Subnet').map(([, subnet]) => ({
    cidr: subnet.Properties.CidrBlock as string,
    zone: subnet.Properties.AvailabilityZone as string,
    tier: subnet.Properties.Tags.find((tag: any) => tag.Key === 'aws-cdk:subnet-name').Value as string,
  }));
}

/** Route tables whose default route (0.0.0.0/0) goes to a resource of the given kind. */
function defaultRoutesVia(template: Record<string, any>, target: 'GatewayId' | 'NatGatewayId'): number {
  return resourcesOfType(template, 'AWS::EC2::Route').filter(
    ([, route]) => route.Properties.DestinationCidrBlock === '0.0.0.0/0' && route.Properties[target],
  ).length;
}

describe('networking', () => {
  let committed: SynthesizedPlatform;
  let devAlb: SynthesizedPlatform;
  let perAz: SynthesizedPlatform;
  const threeZones = withEnvironment('dev', {
    availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
    network: { egress: 'nat-per-az', flowLogs: { enabled: true, retentionDays: 30 } },
  });

  before(() => {
    committed = synth();
    devAlb = synth({ ...platformConfig, environments: [DEV_ALB] });
    // One environment is enough for the variant; synth is the slow part.
    perAz = synth({ ...threeZones, environments: [environmentNamed(threeZones, 'dev')] });
  });

  /** An environment behind the ALB: prod as committed, dev as DEV_ALB. */
  const behindAlb = (envName: string) => ({
    label: envName === 'dev' ? 'dev behind an ALB' : envName,
    env: envName === 'dev' ? DEV_ALB : environmentNamed(platformConfig, envName),
    // Read by the tests, after before() has synthesized.
    get platform() {
      return envName === 'dev' ? devAlb : committed;
    },
  });

  for (const envName of ['dev', 'prod']) {
    test(`${envName}: one subnet of each tier per AZ, laid out as the subnet plan says`, () => {
      const env = environmentNamed(platformConfig, envName);
      const plan = planSubnets(parseCidr(env.network.cidr)!, env.network.subnetMasks, env.availabilityZones);
      const expected = plan.subnets.map((s) => `${s.tier} ${s.availabilityZone} ${s.cidr}`).sort();
      const actual = subnetsOf(committed.json(envName, 'network'))
        .map((s) => `${s.tier} ${s.zone} ${s.cidr}`)
        .sort();
      assert.deepEqual(actual, expected);
    });

    const alb = behindAlb(envName);
    test(`${alb.label}: security groups admit exactly the documented ingress; the database and cache groups send nothing but a cache task's HTTPS and NFS`, () => {
      const { appPort } = alb.env.compute;
      const template = alb.platform.json(envName, 'network');
      assert.deepEqual(
        ingressRules(template),
        [...frontDoorRules(template, appPort), ...behindTheFrontDoor(template, alb.env)].sort(),
      );
      // The ALB may send only to web tasks on the app port (targets and health checks), as may the VPC link.
      assertFrontDoorsReachWebTasksOnly(template, appPort);
      assertDataGroupsEgress(template, alb.env);
    });
  }

  test('dev (HTTP API): web tasks admit the app port from both front doors; the VPC link group admits nothing and, like the load balancer group, reaches web tasks on the app port only; the cache task goes out on HTTPS and NFS only', () => {
    const { appPort } = DEV.compute;
    const template = committed.json('dev', 'network');
    assert.deepEqual(
      ingressRules(template),
      [...frontDoorRules(template, appPort), ...behindTheFrontDoor(template, DEV)].sort(),
    );
    assertFrontDoorsReachWebTasksOnly(template, appPort);
    assertDataGroupsEgress(template, DEV);
  });

  test('dev: switching ingress changes no resource of the network stack', () => {
    assert.deepEqual(devAlb.json('dev', 'network').Resources, committed.json('dev', 'network').Resources);
  });

  test('dev (public egress): no NAT gateway, private subnets have no default route', () => {
    const template = committed.json('dev', 'network');
    assert.equal(resourcesOfType(template, 'AWS::EC2::NatGateway').length, 0);
    assert.equal(resourcesOfType(template, 'AWS::EC2::EIP').length, 0);
    assert.equal(
      defaultRoutesVia(template, 'GatewayId'),
      2,
      'the two public route tables route to the internet gateway',
    );
    assert.equal(defaultRoutesVia(template, 'NatGatewayId'), 0);
    assert.equal(resourcesOfType(template, 'AWS::EC2::RouteTable').length, 6);
  });

  test('prod (nat-single): one NAT gateway that both private route tables use', () => {
    const template = committed.json('prod', 'network');
    assert.equal(resourcesOfType(template, 'AWS::EC2::NatGateway').length, 1);
    assert.equal(defaultRoutesVia(template, 'NatGatewayId'), 2);
    assert.equal(defaultRoutesVia(template, 'GatewayId'), 2);
  });

  test('nat-per-az: one NAT gateway per AZ, each private route table through its own', () => {
    const template = perAz.json('dev', 'network');
    assert.equal(resourcesOfType(template, 'AWS::EC2::NatGateway').length, 3);
    const natTargets = new Set(
      resourcesOfType(template, 'AWS::EC2::Route')
        .filter(([, route]) => route.Properties.NatGatewayId)
        .map(([, route]) => route.Properties.NatGatewayId.Ref),
    );
    assert.equal(natTargets.size, 3);
    assert.equal(subnetsOf(template).length, 9);
  });

  test('flow logs follow config: off in dev, on in prod with its retention', () => {
    assert.equal(resourcesOfType(committed.json('dev', 'network'), 'AWS::EC2::FlowLog').length, 0);
    const prod = committed.template('prod', 'network');
    prod.resourceCountIs('AWS::EC2::FlowLog', 1);
    prod.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    prod.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    perAz.template('dev', 'network').hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('the S3 gateway endpoint serves every route table', () => {
    for (const envName of ['dev', 'prod']) {
      const template = committed.json(envName, 'network');
      const endpoints = resourcesOfType(template, 'AWS::EC2::VPCEndpoint');
      assert.equal(endpoints.length, 1);
      const endpoint = endpoints[0][1].Properties;
      assert.equal(endpoint.VpcEndpointType, 'Gateway');
      assert.deepEqual(endpoint.ServiceName, { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] });
      assert.equal(endpoint.RouteTableIds.length, resourcesOfType(template, 'AWS::EC2::RouteTable').length);
    }
  });

  test('every taggable networking resource carries app, environment and module tags', () => {
    const template = committed.json('prod', 'network');
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup', 'AWS::EC2::NatGateway']) {
      for (const [id, resource] of resourcesOfType(template, type)) {
        const tags = Object.fromEntries(resource.Properties.Tags.map((tag: any) => [tag.Key, tag.Value]));
        assert.deepEqual(
          { app: tags.app, environment: tags.environment, module: tags.module },
          { app: 'booking', environment: 'prod', module: 'networking' },
          `${type} ${id}`,
        );
      }
    }
  });
});
