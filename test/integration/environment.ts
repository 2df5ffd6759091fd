/**
 * One environment in moto, as the ops code finds it in real AWS: the stacks' outputs, the ECS
 * cluster and services with their scaling targets, the database, the cache, the (empty) state
 * table. Names come from the contracts and the config, never retyped.
 */
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { run } from '../../src/cli/main';
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  ScalableDimension,
  ServiceNamespace,
} from '@aws-sdk/client-application-auto-scaling';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreatePipelineCommand } from '@aws-sdk/client-codepipeline';
import { type AttributeValue, CreateTableCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-elasticache';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { environmentNamed, platformConfig } from '../../src/config';
import type { BackupConfig, EnvironmentConfig, PlatformConfig } from '../../src/config/types';
import { applicationSecretParameter } from '../../src/modules/parameters/parameter-names';
import { createClients, type OpsClients } from '../../src/ops/clients';
import {
  APP_CONTAINER_NAME,
  environmentName,
  QUEUE_BACKLOG_METRIC,
  RESTORE_DRILL,
  STACK_OUTPUTS,
  STATE_TABLE_KEYS,
  type StackPart,
  stackName,
  stateTableName,
} from '../../src/ops/contracts';
import { after, before } from 'node:test';
import { type AwsProxy, type AwsProxyOptions, startAwsProxy } from './aws-proxy';
import { httpRequest, type Moto, sharedMoto } from './moto';

/** Credentials moto accepts (it checks no signature). */
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** Which environment: the committed config's app name and environment, its region by default. */
export interface EnvironmentTarget {
  /** @default the config's app name ('booking') */
  readonly app?: string;
  /** @default 'dev' */
  readonly env?: string;
  /** @default the environment's configured region ('eu-west-2') */
  readonly region?: string;
}

export interface Capacity {
  readonly desired: number;
  readonly min: number;
  readonly max: number;
}

export interface SeedOptions extends EnvironmentTarget {
  /** The `minimal` structure: no services, no service outputs, no cache. */
  readonly minimal?: boolean;
  /** The web service's capacity. @default desired = min = the config's minTasks, max = maxTasks (dev: 1, 1..2) */
  readonly web?: Partial<Capacity>;
  /** @default dev: 0, 0..2 */
  readonly worker?: Partial<Capacity>;
  /** The database as found. @default 'available' */
  readonly database?: 'available' | 'stopped';
  /**
   * Output WebTargetGroupArn: a target group with one registered target (moto reports it
   * healthy, whatever the services do). @default false (moto runs no tasks to register)
   */
  readonly targetGroup?: boolean;
  /** Deploy the pipeline stack and its pipeline (GetPipelineState needs the proxy). @default false */
  readonly pipeline?: boolean;
  /**
   * The restore drill's part of the app stack (`backup.enabled`): its security groups, its task
   * definition (container `verify`, logging to awslogs) and the RestoreDrill* outputs. Its
   * containers run only as the proxy's setTaskRun says. @default false
   */
  readonly restoreDrill?: boolean;
  /**
   * The environment's application load balancer (in the seeded subnets) and the app stack's
   * LoadBalancerDnsName output. @default false
   */
  readonly loadBalancer?: boolean;
}

/** What seedEnvironment made for the restore drill. */
export interface SeededRestoreDrill {
  readonly taskFamily: string;
  readonly taskSecurityGroupId: string;
  readonly databaseSecurityGroupId: string;
  readonly logGroup: string;
  readonly passwordSecretName: string;
}

/** What seedEnvironment created. */
export interface SeededEnvironment {
  readonly app: string;
  readonly env: string;
  readonly region: string;
  readonly stacks: Readonly<Partial<Record<StackPart, string>>>;
  readonly clusterName: string;
  readonly services: Readonly<{ web?: string; worker?: string }>;
  readonly migrateFamily: string;
  readonly databaseId: string;
  readonly cacheId?: string;
  readonly stateTable: string;
  readonly targetGroupArn?: string;
  readonly pipelineName?: string;
  readonly network: { readonly vpcId: string; readonly subnetIds: readonly string[]; readonly securityGroupId: string };
  readonly restoreDrill?: SeededRestoreDrill;
  readonly loadBalancer?: { readonly arn: string; readonly dnsName: string };
}

/** The emulator's state, as a scenario test asserts it. */
export interface EnvironmentSnapshot {
  readonly services: { web?: Capacity; worker?: Capacity };
  /** The RDS status, undefined when there is no instance. */
  readonly database: string | undefined;
  /** The replication group's status, undefined when there is none. */
  readonly cache: string | undefined;
  /** Names of the cache snapshots. */
  readonly cacheSnapshots: string[];
  /** Every item of the state table, unmarshalled. */
  readonly items: Array<Record<string, unknown>>;
}

interface Resolved {
  readonly app: string;
  readonly env: string;
  readonly region: string;
  readonly config: EnvironmentConfig;
}

function resolve(target: EnvironmentTarget): Resolved {
  const config = environmentNamed(platformConfig, target.env ?? 'dev');
  return {
    app: target.app ?? platformConfig.shared.appName,
    env: config.name,
    region: target.region ?? config.region,
    config,
  };
}

/**
 * The ops code's clients, pointed at `endpoint` (moto or the proxy), with one retry at most, in the
 * SDK's standard retry mode: the harness's own calls (seeding, reading) need no client-side rate
 * limiter slowing them after an injected throttle. The code under test keeps its adaptive mode.
 */
export function clientsFor(endpoint: string, region: string = resolve({}).region): OpsClients {
  return createClients(region, { endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 2, retryMode: 'standard' });
}

/** Closes the clients' sockets (an idle keep-alive socket can hold a test file's process open). */
export function destroyClients(clients: OpsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}

/** Runs `work` with fresh clients for `endpoint`, destroyed afterwards. */
async function withClients<T>(endpoint: string, region: string, work: (clients: OpsClients) => Promise<T>): Promise<T> {
  const clients = clientsFor(endpoint, region);
  try {
    return await work(clients);
  } finally {
    destroyClients(clients);
  }
}

/**
 * A query-protocol call for the services without an SDK client in package.json (EC2, IAM). moto
 * routes on the credential scope of the Authorization header and checks no signature.
 */
async function motoQuery(
  endpoint: string,
  service: 'ec2' | 'iam',
  region: string,
  params: Record<string, string>,
): Promise<string> {
  const version = service === 'ec2' ? '2016-11-15' : '2010-05-08';
  const answer = await httpRequest(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/20250101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ ...params, Version: version }).toString(),
  });
  const text = answer.body.toString('utf8');
  if (answer.status !== 200) throw new Error(`${service} ${params.Action} failed: HTTP ${answer.status} ${text}`);
  return text;
}

function xmlValue(xml: string, tag: string): string {
  const found = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (!found) throw new Error(`no <${tag}> in ${xml.slice(0, 300)}`);
  return found[1];
}

/** A stack with nothing in it but literal outputs (moto deploys it at once). */
async function createStack(clients: OpsClients, name: string, outputs: Record<string, string>): Promise<void> {
  const template = {
    Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
  };
  await clients.cloudformation.send(
    new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template) }),
  );
}

/** Creates one environment in moto (seed through moto's endpoint, so the proxy's log stays the ops code's). */
export async function seedEnvironment(endpoint: string, options: SeedOptions = {}): Promise<SeededEnvironment> {
  const resolved = resolve(options);
  return withClients(endpoint, resolved.region, (clients) => seed(endpoint, clients, resolved, options));
}

async function seed(
  endpoint: string,
  clients: OpsClients,
  { app, env, region, config }: Resolved,
  options: SeedOptions,
): Promise<SeededEnvironment> {
  const name = environmentName(app, env);
  const account = config.account;
  const stacks: Partial<Record<StackPart, string>> = {};
  const part = (which: StackPart) => (stacks[which] = stackName(app, env, which));

  // Network (no client in package.json: raw EC2 calls). DNS hostnames on, or moto cannot run awsvpc tasks.
  const [a, b] = config.network.cidr.split('.');
  const vpcId = xmlValue(
    await motoQuery(endpoint, 'ec2', region, { Action: 'CreateVpc', CidrBlock: config.network.cidr }),
    'vpcId',
  );
  await motoQuery(endpoint, 'ec2', region, {
    Action: 'ModifyVpcAttribute',
    VpcId: vpcId,
    'EnableDnsHostnames.Value': 'true',
  });
  const subnetIds: string[] = [];
  for (const [index, zone] of config.availabilityZones.entries()) {
    const xml = await motoQuery(endpoint, 'ec2', region, {
      Action: 'CreateSubnet',
      VpcId: vpcId,
      CidrBlock: `${a}.${b}.${index}.0/24`,
      AvailabilityZone: zone,
    });
    subnetIds.push(xmlValue(xml, 'subnetId'));
  }
  const securityGroupId = xmlValue(
    await motoQuery(endpoint, 'ec2', region, {
      Action: 'CreateSecurityGroup',
      GroupName: `${name}-tasks`,
      GroupDescription: 'tasks',
      VpcId: vpcId,
    }),
    'groupId',
  );
  const networkConfiguration = {
    awsvpcConfiguration: { subnets: subnetIds, securityGroups: [securityGroupId], assignPublicIp: 'ENABLED' as const },
  };

  // ECS: the cluster is named after the environment; task definition families are `<env name>-<role>`.
  const clusterName = name;
  await clients.ecs.send(new CreateClusterCommand({ clusterName }));
  const family = (role: string) => `${name}-${role}`;
  const roles = options.minimal ? ['migrate'] : ['web', 'worker', 'migrate'];
  for (const role of roles) {
    await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: family(role),
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '1024',
        containerDefinitions: [
          {
            name: APP_CONTAINER_NAME,
            image: `${account}.dkr.ecr.${region}.amazonaws.com/${app}:latest`,
            essential: true,
            // moto's RunTask needs a container-level memory (Fargate itself does not).
            memory: 1024,
          },
        ],
      }),
    );
  }
  const services: { web?: string; worker?: string } = {};
  if (!options.minimal) {
    const capacities = {
      web: { ...defaultCapacity(config.compute.web), ...options.web },
      worker: { ...defaultCapacity(config.compute.worker), ...options.worker },
    };
    for (const role of ['web', 'worker'] as const) {
      const serviceName = family(role);
      const capacity = capacities[role];
      await clients.ecs.send(
        new CreateServiceCommand({
          cluster: clusterName,
          serviceName,
          taskDefinition: family(role),
          desiredCount: capacity.desired,
          launchType: 'FARGATE',
          networkConfiguration,
        }),
      );
      await clients.autoscaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: ServiceNamespace.ECS,
          ScalableDimension: ScalableDimension.ECSServiceDesiredCount,
          ResourceId: `service/${clusterName}/${serviceName}`,
          MinCapacity: capacity.min,
          MaxCapacity: capacity.max,
        }),
      );
      services[role] = serviceName;
    }
  }

  // The database: `<env name>`, postgres.
  const databaseId = name;
  await clients.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: databaseId,
      DBInstanceClass: config.database.instanceClass,
      Engine: 'postgres',
      AllocatedStorage: config.database.allocatedStorageGiB,
      MasterUsername: 'booking',
      MasterUserPassword: 'not-a-secret-1',
      DBName: app,
    }),
  );
  if (options.database === 'stopped') {
    await clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: databaseId }));
  }

  let cacheId: string | undefined;
  if (!options.minimal) {
    cacheId = name;
    await clients.elasticache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: cacheId,
        ReplicationGroupDescription: `${name} cache`,
        Engine: config.cache.engine,
        CacheNodeType: config.cache.nodeType,
        NumCacheClusters: config.cache.nodes,
      }),
    );
  }

  // The state table, empty: the ops code writes the first record.
  const stateTable = stateTableName(app, env);
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: stateTable,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: STATE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: STATE_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: STATE_TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: STATE_TABLE_KEYS.sortKey, AttributeType: 'S' },
      ],
    }),
  );

  // The application secrets the user creates (doctor checks them).
  for (const variable of config.applicationSecrets) {
    await clients.ssm.send(
      new PutParameterCommand({
        Name: applicationSecretParameter(app, env, variable),
        Value: 'not-a-secret',
        Type: 'SecureString',
      }),
    );
  }

  let targetGroupArn: string | undefined;
  if (options.targetGroup && !options.minimal) {
    const created = await clients.elbv2.send(
      new CreateTargetGroupCommand({
        Name: `${name}-web`,
        Protocol: 'HTTP',
        Port: config.compute.appPort,
        VpcId: vpcId,
        TargetType: 'ip',
      }),
    );
    targetGroupArn = created.TargetGroups?.[0]?.TargetGroupArn;
    await clients.elbv2.send(
      new RegisterTargetsCommand({
        TargetGroupArn: targetGroupArn,
        Targets: [{ Id: `${a}.${b}.0.10`, Port: config.compute.appPort }],
      }),
    );
  }

  let loadBalancer: { arn: string; dnsName: string } | undefined;
  if (options.loadBalancer && !options.minimal) {
    const created = await clients.elbv2.send(
      new CreateLoadBalancerCommand({ Name: name, Subnets: subnetIds, Type: 'application', Scheme: 'internet-facing' }),
    );
    const balancer = created.LoadBalancers?.[0];
    loadBalancer = { arn: balancer?.LoadBalancerArn ?? '', dnsName: balancer?.DNSName ?? '' };
  }

  let pipelineName: string | undefined;
  if (options.pipeline) {
    pipelineName = name;
    await createPipeline(endpoint, clients, pipelineName, region);
  }

  let restoreDrill: SeededRestoreDrill | undefined;
  let restoreDrillOutputs: Record<string, string> = {};
  if (options.restoreDrill) {
    const group = async (suffix: string) =>
      xmlValue(
        await motoQuery(endpoint, 'ec2', region, {
          Action: 'CreateSecurityGroup',
          GroupName: `${name}-${suffix}`,
          GroupDescription: suffix,
          VpcId: vpcId,
        }),
        'groupId',
      );
    restoreDrill = {
      taskFamily: RESTORE_DRILL.taskFamily(app, env),
      taskSecurityGroupId: await group('restore-drill-task'),
      databaseSecurityGroupId: await group('restore-drill-database'),
      logGroup: `/${app}/${env}/restore-drill`,
      passwordSecretName: RESTORE_DRILL.passwordSecretName(app, env),
    };
    await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: restoreDrill.taskFamily,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        containerDefinitions: [
          {
            name: RESTORE_DRILL.containerName,
            image: 'public.ecr.aws/docker/library/postgres:18-alpine',
            essential: true,
            memory: 512,
            secrets: [
              {
                name: 'PGPASSWORD',
                valueFrom: `arn:aws:secretsmanager:${region}:${account}:secret:${restoreDrill.passwordSecretName}`,
              },
            ],
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': restoreDrill.logGroup,
                'awslogs-region': region,
                'awslogs-stream-prefix': 'drill',
              },
            },
          },
        ],
      }),
    );
    const keys = STACK_OUTPUTS.app;
    restoreDrillOutputs = {
      [keys.restoreDrillTaskFamily]: restoreDrill.taskFamily,
      [keys.restoreDrillSubnetIds]: subnetIds.join(','),
      [keys.restoreDrillTaskSecurityGroupId]: restoreDrill.taskSecurityGroupId,
      [keys.restoreDrillDatabaseSecurityGroupId]: restoreDrill.databaseSecurityGroupId,
      [keys.restoreDrillAssignPublicIp]: 'ENABLED',
    };
  }

  // The stacks' outputs: what the ops code reads to find all of the above.
  await createStack(clients, part('ops'), {
    [STACK_OUTPUTS.ops.stateTableName]: stateTable,
    [STACK_OUTPUTS.ops.opsTopicArn]: `arn:aws:sns:${region}:${account}:${name}-ops`,
  });
  await createStack(clients, part('data'), {
    [STACK_OUTPUTS.data.databaseInstanceId]: databaseId,
    [STACK_OUTPUTS.data.databaseSecretArn]:
      `arn:aws:secretsmanager:${region}:${account}:secret:${name}-database-AbCdEf`,
    ...(cacheId ? { [STACK_OUTPUTS.data.cacheReplicationGroupId]: cacheId } : {}),
  });
  await createStack(clients, part('app'), {
    [STACK_OUTPUTS.app.clusterName]: clusterName,
    [STACK_OUTPUTS.app.apiUrl]: `https://${config.apiHost}/`,
    [STACK_OUTPUTS.app.migrateTaskDefinition]: family('migrate'),
    ...(services.web ? { [STACK_OUTPUTS.app.webServiceName]: services.web } : {}),
    ...(services.worker ? { [STACK_OUTPUTS.app.workerServiceName]: services.worker } : {}),
    ...(targetGroupArn ? { [STACK_OUTPUTS.app.webTargetGroupArn]: targetGroupArn } : {}),
    ...(loadBalancer ? { [STACK_OUTPUTS.app.loadBalancerDnsName]: loadBalancer.dnsName } : {}),
    ...restoreDrillOutputs,
  });
  if (pipelineName)
    await createStack(clients, part('pipeline'), { [STACK_OUTPUTS.pipeline.pipelineName]: pipelineName });

  return {
    app,
    env,
    region,
    stacks,
    clusterName,
    services,
    migrateFamily: family('migrate'),
    databaseId,
    cacheId,
    stateTable,
    targetGroupArn,
    pipelineName,
    network: { vpcId, subnetIds, securityGroupId },
    restoreDrill,
    loadBalancer,
  };
}

/** The backup settings a drill needs when the committed config has none for an environment. */
const DRILL_BACKUP: BackupConfig = {
  enabled: true,
  dailyRetentionDays: 7,
  weeklyRetentionDays: 0,
  monthlyRetentionDays: 0,
  customerManagedKey: false,
  replicateBucket: false,
  drill: { monthly: true, instanceClass: 'db.t4g.micro' },
};

/** `config` with backup (and so the restore drill) enabled for `env`: the committed one if it already is. */
export function withRestoreDrill(config: PlatformConfig, env = 'dev'): PlatformConfig {
  return {
    ...config,
    environments: config.environments.map((e) =>
      e.name !== env || e.backup?.enabled ? e : { ...e, backup: { ...DRILL_BACKUP, ...e.backup, enabled: true } },
    ),
  };
}

function defaultCapacity(service: { readonly minTasks: number; readonly maxTasks: number }): Capacity {
  return { desired: service.minTasks, min: service.minTasks, max: service.maxTasks };
}

/** The release pipeline's stages (dev: no approval), in moto; its role must trust CodePipeline. */
async function createPipeline(endpoint: string, clients: OpsClients, name: string, region: string): Promise<void> {
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  const roleArn = xmlValue(
    await motoQuery(endpoint, 'iam', region, {
      Action: 'CreateRole',
      RoleName: `${name}-pipeline`,
      AssumeRolePolicyDocument: JSON.stringify(trust),
    }),
    'Arn',
  );
  const build = (stage: string) => ({
    name: stage,
    actions: [
      {
        name: stage,
        actionTypeId: { category: 'Build' as const, owner: 'AWS' as const, provider: 'CodeBuild', version: '1' },
        configuration: { ProjectName: `${name}-${stage.toLowerCase()}` },
        inputArtifacts: [{ name: 'source' }],
      },
    ],
  });
  await clients.codepipeline.send(
    new CreatePipelineCommand({
      pipeline: {
        name,
        roleArn,
        artifactStore: { type: 'S3', location: `${name}-artifacts` },
        stages: [
          {
            name: 'Source',
            actions: [
              {
                name: 'Source',
                actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
                configuration: { S3Bucket: `${name}-source`, S3ObjectKey: 'source.zip' },
                outputArtifacts: [{ name: 'source' }],
              },
            ],
          },
          build('Build'),
          build('Migrate'),
          build('Deploy'),
          build('Record'),
        ],
      },
    }),
  );
}

/** A DynamoDB item as plain values (numbers as numbers, sets as arrays, binary as Uint8Array). */
export function unmarshall(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([key, value]) => [key, unmarshallValue(value)]));
}

function unmarshallValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return unmarshall(value.M);
  if (value.L !== undefined) return value.L.map(unmarshallValue);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(Number);
  if (value.BS !== undefined) return [...value.BS];
  if (value.B !== undefined) return value.B;
  throw new Error(`unknown attribute value ${JSON.stringify(value)}`);
}

function notFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    /NotFound|does not exist|ResourceNotFoundException|ClusterNotFound/i.test(`${error.name} ${error.message}`)
  );
}

/** Reads the environment's state from `endpoint` (moto's, so the proxy neither rewrites nor logs it). */
export async function readEnvironment(endpoint: string, target: EnvironmentTarget = {}): Promise<EnvironmentSnapshot> {
  const resolved = resolve(target);
  return withClients(endpoint, resolved.region, (clients) => read(clients, resolved));
}

async function read(clients: OpsClients, { app, env }: Resolved): Promise<EnvironmentSnapshot> {
  const name = environmentName(app, env);
  const cluster = name;
  const roles = ['web', 'worker'] as const;

  const services: { web?: Capacity; worker?: Capacity } = {};
  try {
    const described = await clients.ecs.send(
      new DescribeServicesCommand({ cluster, services: roles.map((role) => `${name}-${role}`) }),
    );
    const targets = await clients.autoscaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: ServiceNamespace.ECS,
        ResourceIds: roles.map((role) => `service/${cluster}/${name}-${role}`),
      }),
    );
    for (const role of roles) {
      const service = described.services?.find((s) => s.serviceName === `${name}-${role}` && s.status !== 'INACTIVE');
      if (!service) continue;
      const scaling = targets.ScalableTargets?.find((t) => t.ResourceId === `service/${cluster}/${name}-${role}`);
      services[role] = {
        desired: service.desiredCount ?? 0,
        min: scaling?.MinCapacity ?? 0,
        max: scaling?.MaxCapacity ?? 0,
      };
    }
  } catch (error) {
    if (!notFound(error)) throw error;
  }

  let database: string | undefined;
  try {
    const answer = await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name }));
    database = answer.DBInstances?.[0]?.DBInstanceStatus;
  } catch (error) {
    if (!notFound(error)) throw error;
  }

  let cache: string | undefined;
  try {
    const answer = await clients.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: name }));
    cache = answer.ReplicationGroups?.[0]?.Status;
  } catch (error) {
    if (!notFound(error)) throw error;
  }
  const snapshots = await clients.elasticache.send(new DescribeSnapshotsCommand({}));
  const cacheSnapshots = (snapshots.Snapshots ?? []).map((snapshot) => snapshot.SnapshotName ?? '');

  const items: Array<Record<string, unknown>> = [];
  try {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await clients.dynamodb.send(
        new ScanCommand({ TableName: stateTableName(app, env), ExclusiveStartKey: start, ConsistentRead: true }),
      );
      items.push(...(page.Items ?? []).map(unmarshall));
      start = page.LastEvaluatedKey;
    } while (start);
  } catch (error) {
    if (!notFound(error)) throw error;
  }

  return { services, database, cache, cacheSnapshots, items };
}

/** Publishes one backlog datapoint (namespace: the app name; dimension Environment=<env>). */
export async function publishBacklog(
  endpoint: string,
  value: number,
  options: EnvironmentTarget & { readonly metricName?: string; readonly timestamp?: Date } = {},
): Promise<void> {
  const { app, env, region } = resolve(options);
  await withClients(endpoint, region, (clients) =>
    clients.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: app,
        MetricData: [
          {
            MetricName: options.metricName ?? QUEUE_BACKLOG_METRIC.name,
            Dimensions: [{ Name: QUEUE_BACKLOG_METRIC.dimension, Value: env }],
            Value: value,
            Unit: 'Count',
            Timestamp: options.timestamp ?? new Date(),
          },
        ],
      }),
    ),
  );
}

/**
 * The CLI's dependencies for a test against the emulator: `clients` makes the ops code's own
 * clients (adaptive retries included), nobody to ask, a fixed actor, short sleeps and polls.
 */
export function cliDependencies(clients: () => OpsClients, overrides: Partial<OpsDependencies> = {}): OpsDependencies {
  return {
    clients,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
    now: () => Date.now(),
    interactive: false,
    ask: async () => '',
    resolveNs: async () => [],
    monthlyCost: () => 1,
    actor: 'cli:alice@laptop',
    pollIntervalMs: 20,
    ...overrides,
  };
}

/** Runs `booking-infra <args>` in-process with `dependencies`; its exit code, stdout and stderr. */
export async function runCli(
  args: readonly string[],
  dependencies: OpsDependencies,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, {}, dependencies);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The environment of a real `booking-infra` process talking to the emulator at `endpoint`. */
export function cliProcessEnvironment(endpoint: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'eu-west-2',
    AWS_PROFILE: '',
  };
}

/** What `motoSuite` gives a test file: moto, the proxy in front of it, and clients. */
export interface MotoSuite {
  readonly moto: Moto;
  /** The fault-injecting, call-recording proxy the CLI's clients go through. */
  readonly proxy: AwsProxy;
  /** Clients straight to moto, for seeding and reading back (never through the proxy). */
  readonly harness: OpsClients;
  /** New clients through the proxy, as the CLI gets them; closed when the suite ends. */
  clients(): OpsClients;
}

/**
 * The moto harness of a CLI suite, set up before its tests and torn down after: the shared moto,
 * a proxy in front of it, harness clients and the CLI's clients (all closed at the end). Call it
 * inside `describe`.
 */
export function motoSuite(options: AwsProxyOptions = {}): MotoSuite {
  let moto: Moto | undefined;
  let proxy: AwsProxy | undefined;
  let harness: OpsClients | undefined;
  const opened: OpsClients[] = [];
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`motoSuite: ${what} is used before the suite started`);
    return value;
  };
  before(async () => {
    moto = await sharedMoto();
    proxy = await startAwsProxy(moto.endpoint, options);
    harness = clientsFor(moto.endpoint);
  });
  after(async () => {
    for (const made of opened) destroyClients(made);
    if (harness) destroyClients(harness);
    await proxy?.close();
    await moto?.stop();
  });
  return {
    get moto() {
      return ready(moto, 'moto');
    },
    get proxy() {
      return ready(proxy, 'the proxy');
    },
    get harness() {
      return ready(harness, 'the harness clients');
    },
    clients() {
      const made = createClients(resolve({}).region, {
        endpoint: ready(proxy, 'the proxy').endpoint,
        credentials: TEST_CREDENTIALS,
      });
      opened.push(made);
      return made;
    },
  };
}

/**
 * A pause by someone else in progress: the environment's transition lock, held by `cli:bob@desk`
 * since now, written straight into the state table (as a running pause's CLI would hold it).
 */
export async function holdPauseLock(harness: OpsClients, stateTable: string): Promise<void> {
  const now = new Date().toISOString();
  await harness.dynamodb.send(
    new PutItemCommand({
      TableName: stateTable,
      Item: {
        pk: { S: STATE_TABLE_KEYS.lock.pk },
        sk: { S: STATE_TABLE_KEYS.lock.sk },
        holder: { S: 'cli:bob@desk' },
        operation: { S: 'pause' },
        startedAt: { S: now },
        heartbeatAt: { S: now },
        token: { S: 'bob' },
      },
    }),
  );
}
