import { ApiGatewayV2Client, GetVpcLinkCommand } from '@aws-sdk/client-apigatewayv2';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CodePipelineClient, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateSnapshotCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import type { OpsClients } from '../../src/ops/clients';

export interface FakeService {
  desired: number;
  running: number;
  min: number;
  max: number;
}

/** Calls that change something in AWS. */
export const MUTATING = [
  'UpdateServiceCommand',
  'RegisterScalableTargetCommand',
  'StopDBInstanceCommand',
  'StartDBInstanceCommand',
  'CreateSnapshotCommand',
  'CreateDBSnapshotCommand',
];

type Item = Record<string, AttributeValue>;

/** Evaluates the few condition expressions the state store uses, as DynamoDB would. */
function conditionHolds(
  item: Item | undefined,
  expression: string | undefined,
  names: Record<string, string> = {},
  values: Record<string, AttributeValue> = {},
): boolean {
  if (!expression) return true;
  const scalar = (value: AttributeValue | undefined) => (value?.N !== undefined ? Number(value.N) : value?.S);
  return expression.split(' OR ').some((clause) => {
    const notExists = /^attribute_not_exists\((\w+)\)$/.exec(clause.trim());
    if (notExists) return item === undefined || item[notExists[1]] === undefined;
    const comparison = /^([#\w]+) (=|<) (:\w+)$/.exec(clause.trim());
    if (!comparison) throw new Error(`fake DynamoDB cannot evaluate "${clause}"`);
    const attribute = names[comparison[1]] ?? comparison[1];
    const left = scalar(item?.[attribute]);
    const right = scalar(values[comparison[3]]);
    if (left === undefined) return false;
    return comparison[2] === '=' ? left === right : left! < right!;
  });
}

/**
 * A small simulation of one environment behind aws-sdk-client-mock: services converge to their
 * desired count one poll after a change, the database passes through stopping/starting.
 */
export class FakeAws {
  readonly services: Record<string, FakeService>;
  /** The RDS status; `missing`: there is no instance (the minimal deploy deleted it). */
  database = 'available';
  /**
   * Manual DB snapshots by identifier: status and tags. One being created is `creating` (the
   * instance `backing-up` meanwhile) for `describesLeft` DescribeDBSnapshots of it, then
   * `available` (the instance with it).
   */
  readonly dbSnapshots: Record<string, { status: string; tags: Record<string, string>; describesLeft?: number }> = {};
  /** How many DescribeDBSnapshots of a new snapshot answer `creating` before it is available. */
  dbSnapshotDescribes = 1;
  readonly parameters: Record<string, string> = {};
  readonly clients: OpsClients;
  readonly stubs: Record<string, AwsStub<any, any, any>> = {};
  /** The state table's items, by `pk|sk`. */
  readonly items = new Map<string, Item>();
  /** Datapoints of the QueuedJobs metric, [time ms, value]. */
  queuedJobs: Array<[number, number]> = [];
  /** When set, every GetMetricData answers one fresh QueuedJobs measurement with this value. */
  liveQueuedJobs?: number;
  /** Running migrate task ids. */
  migrations: string[] = [];
  /** The pipeline stage with a release in progress, if any. */
  releaseStage?: string;
  readonly snapshots: Record<string, string> = {};
  pendingDatabase?: string;
  /** The container health check's verdict on every running web task (ECS `healthStatus`). */
  webTaskHealth = 'HEALTHY';
  /** `cacheTask` only: the cache task's `healthStatus` (undefined: the task reports none). */
  cacheTaskHealth: string | undefined = 'HEALTHY';
  /** `cacheTask` only: the cache service (the app stack's CacheServiceName output). */
  readonly cacheServiceName?: string;
  /**
   * Tasks a lower desired count stopped, by service: still STOPPING for `pollsLeft` more
   * DescribeTasks, then STOPPED (ListTasks lists them with desiredStatus STOPPED).
   */
  readonly stoppedTasks: Array<{ service: string; id: string; pollsLeft: number }> = [];
  /**
   * What changed, in order, across every client: `UpdateService <service> <desired>`,
   * `RegisterScalableTarget <service> <min>..<max>`, `StopDBInstance`, `StartDBInstance`; tests
   * may add their own marks.
   */
  readonly actions: string[] = [];
  /** Actions (by the start of their `actions` line) that fail once, with the error given. */
  private readonly failures: Array<{ action: string; error: Error }> = [];

  /** The next action starting with `action` (e.g. `RegisterScalableTarget booking-dev-web`) fails. */
  failOnce(action: string, error: Error): void {
    this.failures.push({ action, error });
  }

  /** Logs the action, or throws the failure planned for it. */
  private act(action: string): void {
    const failure = this.failures.findIndex((f) => action.startsWith(f.action));
    if (failure >= 0) throw this.failures.splice(failure, 1)[0].error;
    this.actions.push(action);
  }
  /** `http-api` only: the VPC link's id (the app stack's VpcLinkId output). */
  readonly vpcLinkId?: string;
  /** `http-api` only: what GetVpcLink answers. */
  vpcLink: { status: string; message?: string } = { status: 'AVAILABLE' };
  /**
   * GetVpcLink polls an INACTIVE link answers PENDING after the first request to the API, before
   * it is AVAILABLE; undefined: requests do not wake it.
   */
  pollsToReactivate?: number = 2;
  /** URLs `wake` sent a request to, in order. */
  readonly wakeRequests: string[] = [];

  constructor(
    readonly env = 'dev',
    /**
     * `cacheTask`: the cache is an ECS service (`cache.hosting: 'task'`), running 1..1, and there
     * is no ElastiCache replication group.
     */
    options: { minimal?: boolean; ingress?: 'alb' | 'http-api'; cacheTask?: boolean } = {},
  ) {
    if (options.cacheTask && !options.minimal) this.cacheServiceName = `booking-${env}-cache`;
    this.services = options.minimal
      ? {}
      : {
          [`booking-${env}-web`]: { desired: 1, running: 1, min: 1, max: 2 },
          [`booking-${env}-worker`]: { desired: 0, running: 0, min: 0, max: 2 },
          ...(this.cacheServiceName ? { [this.cacheServiceName]: { desired: 1, running: 1, min: 1, max: 1 } } : {}),
        };
    if (options.ingress === 'http-api') this.vpcLinkId = `vl${env}42`;
    const region = { region: 'eu-west-2' };
    this.clients = {
      apigatewayv2: new ApiGatewayV2Client(region),
      autoscaling: new ApplicationAutoScalingClient(region),
      cloudformation: new CloudFormationClient(region),
      edgeCloudformation: new CloudFormationClient({ region: 'us-east-1' }),
      cloudwatch: new CloudWatchClient(region),
      logs: new CloudWatchLogsClient(region),
      codepipeline: new CodePipelineClient(region),
      connections: new CodeStarConnectionsClient(region),
      costExplorer: new CostExplorerClient({ region: 'us-east-1' }),
      dynamodb: new DynamoDBClient(region),
      ec2: new EC2Client(region),
      ecr: new ECRClient(region),
      ecs: new ECSClient(region),
      elasticache: new ElastiCacheClient(region),
      elbv2: new ElasticLoadBalancingV2Client(region),
      rds: new RDSClient(region),
      route53: new Route53Client(region),
      secretsmanager: new SecretsManagerClient(region),
      ssm: new SSMClient(region),
      sts: new STSClient(region),
    };
    for (const [name, client] of Object.entries(this.clients)) this.stubs[name] = mockClient(client);
    this.install(Boolean(options.minimal));
  }

  /**
   * The ops context's `wake`: a request to the API, which is what makes API Gateway reprovision an
   * INACTIVE link (it answers 503 meanwhile).
   */
  readonly wake = async (url: string): Promise<string> => {
    this.wakeRequests.push(url);
    if (this.vpcLink.status === 'INACTIVE' && this.pollsToReactivate !== undefined) {
      this.vpcLink = { status: 'PENDING' };
    }
    return 'HTTP 503';
  };

  private install(minimal: boolean): void {
    const env = this.env;
    const outputs = (values: Record<string, string>) =>
      Object.entries(values).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
    this.stubs.cloudformation.on(DescribeStacksCommand, { StackName: `booking-${env}-data` }).resolves({
      Stacks: [
        {
          StackName: `booking-${env}-data`,
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(0),
          Outputs: outputs({
            DatabaseInstanceId: `booking-${env}`,
            ...(minimal || this.cacheServiceName ? {} : { CacheReplicationGroupId: `booking-${env}` }),
          }),
        },
      ],
    });
    this.stubs.cloudformation.on(DescribeStacksCommand, { StackName: `booking-${env}-app` }).resolves({
      Stacks: [
        {
          StackName: `booking-${env}-app`,
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(0),
          Outputs: outputs(
            minimal
              ? { ClusterName: `booking-${env}`, ApiUrl: `https://api-${env}.example/` }
              : {
                  ClusterName: `booking-${env}`,
                  WebServiceName: `booking-${env}-web`,
                  WorkerServiceName: `booking-${env}-worker`,
                  ApiUrl: `https://api-${env}.lichnails.co.uk/`,
                  ...(this.vpcLinkId
                    ? { VpcLinkId: this.vpcLinkId, HttpApiId: `api${env}7` }
                    : {
                        WebTargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-2:111111111111:targetgroup/web/1',
                        LoadBalancerDnsName: 'lb.eu-west-2.elb.amazonaws.com',
                      }),
                  MigrateTaskDefinition: `booking-${env}-migrate`,
                  ...(this.cacheServiceName ? { CacheServiceName: this.cacheServiceName } : {}),
                },
          ),
        },
      ],
    });

    this.stubs.ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
      services: input.services
        .filter((name) => this.services[name])
        .map((name) => {
          const service = this.services[name];
          const answer = {
            serviceName: name,
            status: 'ACTIVE',
            desiredCount: service.desired,
            runningCount: service.running,
            pendingCount: 0,
          };
          service.running = service.desired; // converges by the next poll
          return answer;
        }),
    }));
    this.stubs.ecs.on(UpdateServiceCommand).callsFake((input: { service: string; desiredCount?: number }) => {
      const service = this.services[input.service];
      // A forced new deployment (rotate-secret-key) leaves the counts as they are.
      if (input.desiredCount === undefined) return {};
      this.act(`UpdateService ${input.service} ${input.desiredCount}`);
      for (let n = input.desiredCount; n < service.running; n++) {
        this.stoppedTasks.push({ service: input.service, id: `${input.service}-stopped-${n}`, pollsLeft: 1 });
      }
      service.desired = input.desiredCount;
      return {};
    });
    this.stubs.autoscaling.on(DescribeScalableTargetsCommand).callsFake((input: { ResourceIds: string[] }) => ({
      ScalableTargets: input.ResourceIds.filter((id) => this.services[id.split('/')[2]]).map((id) => {
        const name = id.split('/')[2];
        return { ResourceId: id, MinCapacity: this.services[name].min, MaxCapacity: this.services[name].max };
      }),
    }));
    this.stubs.autoscaling
      .on(RegisterScalableTargetCommand)
      .callsFake((input: { ResourceId: string; MinCapacity: number; MaxCapacity: number }) => {
        const service = this.services[input.ResourceId.split('/')[2]];
        this.act(`RegisterScalableTarget ${input.ResourceId.split('/')[2]} ${input.MinCapacity}..${input.MaxCapacity}`);
        service.min = input.MinCapacity;
        service.max = input.MaxCapacity;
        return {};
      });

    this.stubs.rds.on(DescribeDBInstancesCommand).callsFake(() => {
      if (this.database === 'missing')
        throw Object.assign(new Error(`DBInstance booking-${env} not found.`), { name: 'DBInstanceNotFoundFault' });
      const answer = {
        DBInstances: [
          { DBInstanceIdentifier: `booking-${env}`, DBInstanceStatus: this.database, MasterUsername: 'booking' },
        ],
      };
      if (this.pendingDatabase) {
        this.database = this.pendingDatabase;
        this.pendingDatabase = undefined;
      }
      return answer;
    });
    this.stubs.rds.on(StopDBInstanceCommand).callsFake(() => {
      if (this.database !== 'available')
        throw Object.assign(new Error(`instance is ${this.database}`), { name: 'InvalidDBInstanceStateFault' });
      this.act('StopDBInstance');
      this.database = 'stopping';
      this.pendingDatabase = 'stopped';
      return {};
    });
    this.stubs.rds.on(StartDBInstanceCommand).callsFake(() => {
      if (this.database !== 'stopped')
        throw Object.assign(new Error(`instance is ${this.database}`), { name: 'InvalidDBInstanceStateFault' });
      this.act('StartDBInstance');
      this.database = 'starting';
      this.pendingDatabase = 'available';
      return {};
    });

    this.stubs.rds
      .on(CreateDBSnapshotCommand)
      .callsFake((input: { DBSnapshotIdentifier: string; Tags?: Array<{ Key: string; Value: string }> }) => {
        const name = input.DBSnapshotIdentifier;
        if (this.database === 'missing')
          throw Object.assign(new Error(`DBInstance booking-${env} not found.`), { name: 'DBInstanceNotFoundFault' });
        if (this.dbSnapshots[name])
          throw Object.assign(new Error(`snapshot ${name} exists`), { name: 'DBSnapshotAlreadyExistsFault' });
        // RDS snapshots only an available instance.
        if (this.database !== 'available')
          throw Object.assign(new Error(`instance is ${this.database}`), { name: 'InvalidDBInstanceStateFault' });
        this.act(`CreateDBSnapshot ${name}`);
        this.dbSnapshots[name] = {
          status: 'creating',
          describesLeft: this.dbSnapshotDescribes,
          tags: Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key, tag.Value])),
        };
        this.database = 'backing-up';
        return {};
      });
    this.stubs.rds.on(DescribeDBSnapshotsCommand).callsFake((input: { DBSnapshotIdentifier?: string }) => {
      const name = input.DBSnapshotIdentifier ?? '';
      const snapshot = this.dbSnapshots[name];
      if (!snapshot)
        throw Object.assign(new Error(`DBSnapshot ${name} not found.`), { name: 'DBSnapshotNotFoundFault' });
      const answer = { DBSnapshots: [{ DBSnapshotIdentifier: name, Status: snapshot.status, SnapshotType: 'manual' }] };
      if (snapshot.status === 'creating' && (snapshot.describesLeft = (snapshot.describesLeft ?? 1) - 1) <= 0) {
        snapshot.status = 'available';
        delete snapshot.describesLeft;
        if (this.database === 'backing-up') this.database = 'available';
      }
      return answer;
    });

    this.stubs.ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => {
      if (!(input.Name in this.parameters)) throw new ParameterNotFound({ message: 'not found', $metadata: {} });
      return { Parameter: { Name: input.Name, Value: this.parameters[input.Name], Type: 'String' } };
    });
    this.stubs.ssm.on(PutParameterCommand).callsFake((input: { Name: string; Value: string }) => {
      this.parameters[input.Name] = input.Value;
      return {};
    });
    this.installStateTable();
    this.stubs.cloudformation.on(DescribeStacksCommand, { StackName: `booking-${env}-pipeline` }).resolves({
      Stacks: [
        {
          StackName: `booking-${env}-pipeline`,
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(0),
          Outputs: outputs({ PipelineName: `booking-${env}` }),
        },
      ],
    });
    const taskArn = (id: string) => `arn:aws:ecs:eu-west-2:111111111111:task/booking-${env}/${id}`;
    // A service's running tasks are `<service>-<n>`, its stopped ones `<service>-stopped-<n>`;
    // anything else listed is a migrate task. A service's tasks converge to its desired count by
    // the next poll, as its counts do.
    this.stubs.ecs.on(ListTasksCommand).callsFake((input: { serviceName?: string; desiredStatus?: string }) => {
      if (!input.serviceName) return { taskArns: this.migrations.map(taskArn) };
      if (input.desiredStatus === 'STOPPED') {
        return {
          taskArns: this.stoppedTasks.filter((t) => t.service === input.serviceName).map((t) => taskArn(t.id)),
        };
      }
      const service = this.services[input.serviceName];
      const taskArns = Array.from({ length: service?.running ?? 0 }, (_, n) => taskArn(`${input.serviceName}-${n}`));
      if (service) service.running = service.desired;
      return { taskArns };
    });
    this.stubs.ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      tasks: input.tasks.map((arn) => {
        const stopped = this.stoppedTasks.find((t) => arn === taskArn(t.id));
        if (stopped) return { taskArn: arn, lastStatus: stopped.pollsLeft-- > 0 ? 'STOPPING' : 'STOPPED' };
        return {
          taskArn: arn,
          lastStatus: 'RUNNING',
          healthStatus: arn.includes(`booking-${env}-web-`)
            ? this.webTaskHealth
            : this.cacheServiceName && arn.includes(`${this.cacheServiceName}-`)
              ? this.cacheTaskHealth
              : 'UNKNOWN',
        };
      }),
    }));
    this.stubs.apigatewayv2.on(GetVpcLinkCommand).callsFake((input: { VpcLinkId: string }) => {
      if (input.VpcLinkId !== this.vpcLinkId) {
        throw Object.assign(new Error('Invalid VPC link identifier specified'), { name: 'NotFoundException' });
      }
      const { status, message } = this.vpcLink;
      const answer = { VpcLinkId: input.VpcLinkId, VpcLinkStatus: status, VpcLinkStatusMessage: message };
      if (this.vpcLink.status === 'PENDING' && this.pollsToReactivate !== undefined) {
        if (--this.pollsToReactivate <= 0) this.vpcLink = { status: 'AVAILABLE' };
      }
      return answer;
    });
    this.stubs.codepipeline.on(GetPipelineStateCommand).callsFake(() => ({
      stageStates: [
        { stageName: 'Source', latestExecution: { status: 'Succeeded', pipelineExecutionId: 'e0' } },
        {
          stageName: this.releaseStage ?? 'Deploy',
          latestExecution: { status: this.releaseStage ? 'InProgress' : 'Succeeded', pipelineExecutionId: 'e1' },
        },
      ],
    }));
    this.stubs.cloudwatch.on(GetMetricDataCommand).callsFake((input: { StartTime: Date; EndTime: Date }) => {
      const live: Array<[number, number]> =
        this.liveQueuedJobs === undefined ? [] : [[input.EndTime.getTime() - 60_000, this.liveQueuedJobs]];
      const points = [...this.queuedJobs, ...live]
        .filter(([time]) => time >= input.StartTime.getTime() && time <= input.EndTime.getTime())
        .sort((a, b) => b[0] - a[0]);
      return {
        MetricDataResults: [
          { Id: 'queued', Timestamps: points.map(([time]) => new Date(time)), Values: points.map(([, v]) => v) },
        ],
      };
    });
    this.stubs.elasticache.on(CreateSnapshotCommand).callsFake((input: { SnapshotName: string }) => {
      this.snapshots[input.SnapshotName] = 'creating';
      return {};
    });
    this.stubs.elasticache.on(DescribeSnapshotsCommand).callsFake((input: { SnapshotName: string }) => {
      const status = this.snapshots[input.SnapshotName];
      if (status === 'creating') this.snapshots[input.SnapshotName] = 'available';
      return { Snapshots: status ? [{ SnapshotName: input.SnapshotName, SnapshotStatus: status }] : [] };
    });
    this.stubs.elbv2.on(DescribeTargetHealthCommand).callsFake(() => ({
      TargetHealthDescriptions: Array.from({ length: this.services[`booking-${env}-web`]?.running ?? 0 }, () => ({
        TargetHealth: { State: 'healthy' },
      })),
    }));
    if (this.cacheServiceName) {
      // A cache task: there is no replication group (nothing should ask for one).
      this.stubs.elasticache
        .on(DescribeReplicationGroupsCommand)
        .rejects(Object.assign(new Error('not found'), { name: 'ReplicationGroupNotFoundFault' }));
    } else {
      this.stubs.elasticache
        .on(DescribeReplicationGroupsCommand)
        .resolves({ ReplicationGroups: [{ ReplicationGroupId: `booking-${env}`, Status: 'available' }] });
    }
  }

  /** Names of the mutating calls made so far, in order. */
  mutatingCalls(): string[] {
    return Object.values(this.stubs)
      .flatMap((stub) => stub.calls())
      .map((call) => call.args[0].constructor.name)
      .filter((name) => MUTATING.includes(name));
  }

  /** An in-memory DynamoDB for the state table: conditional writes behave as DynamoDB's. */
  private installStateTable(): void {
    const keyOf = (key: Item) => `${key.pk.S}|${key.sk.S}`;
    const failed = () =>
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    const check = (item: Item | undefined, input: any) => {
      if (
        !conditionHolds(
          item,
          input.ConditionExpression,
          input.ExpressionAttributeNames,
          input.ExpressionAttributeValues,
        )
      )
        throw failed();
    };
    this.stubs.dynamodb.on(GetItemCommand).callsFake((input: { Key: Item }) => {
      const item = this.items.get(keyOf(input.Key));
      return { Item: item ? structuredClone(item) : undefined };
    });
    this.stubs.dynamodb.on(PutItemCommand).callsFake((input: any) => {
      const key = keyOf(input.Item);
      check(this.items.get(key), input);
      this.items.set(key, structuredClone(input.Item));
      return {};
    });
    this.stubs.dynamodb.on(UpdateItemCommand).callsFake((input: any) => {
      const key = keyOf(input.Key);
      const item = this.items.get(key);
      check(item, input);
      const set = /^SET (\w+) = (:\w+)$/.exec(input.UpdateExpression);
      if (!set) throw new Error(`fake DynamoDB cannot apply "${input.UpdateExpression}"`);
      this.items.set(key, { ...item, ...input.Key, [set[1]]: input.ExpressionAttributeValues[set[2]] });
      return {};
    });
    this.stubs.dynamodb.on(DeleteItemCommand).callsFake((input: any) => {
      const key = keyOf(input.Key);
      check(this.items.get(key), input);
      this.items.delete(key);
      return {};
    });
    this.stubs.dynamodb.on(QueryCommand).callsFake((input: any) => {
      const pk = input.ExpressionAttributeValues[':journal'].S;
      const items = [...this.items.values()]
        .filter((item) => item.pk.S === pk)
        .sort((a, b) => (a.sk.S! < b.sk.S! ? -1 : 1));
      if (input.ScanIndexForward === false) items.reverse();
      return { Items: items.slice(0, input.Limit ?? items.length) };
    });
  }

  /** The state record as stored (parsed), or undefined. */
  stateRecord(): any {
    const body = this.items.get('state|current')?.record?.S;
    return body ? JSON.parse(body) : undefined;
  }

  /** Stores a state record as the tools would (or as a person editing it by hand would). */
  setStateRecord(record: unknown): void {
    const version = (record as { version?: number }).version ?? 1;
    this.items.set('state|current', {
      pk: { S: 'state' },
      sk: { S: 'current' },
      record: { S: typeof record === 'string' ? record : JSON.stringify({ version, ...(record as object) }) },
      version: { N: String(version) },
    });
  }

  /** Puts a lock as another run would have left it. */
  setLock(lock: { holder: string; operation: string; startedAt: string; heartbeatAt?: string }): void {
    this.items.set('lock|current', {
      pk: { S: 'lock' },
      sk: { S: 'current' },
      holder: { S: lock.holder },
      operation: { S: lock.operation },
      startedAt: { S: lock.startedAt },
      heartbeatAt: { S: lock.heartbeatAt ?? lock.startedAt },
      token: { S: 'another-run' },
    });
  }

  /** The lock item, if held. */
  lock(): Item | undefined {
    return this.items.get('lock|current');
  }

  /** Journal entries, oldest first. */
  journal(): any[] {
    return [...this.items.values()]
      .filter((item) => item.pk.S === 'journal')
      .sort((a, b) => (a.sk.S! < b.sk.S! ? -1 : 1))
      .map((item) => JSON.parse(item.entry.S!));
  }

  reset(): void {
    for (const stub of Object.values(this.stubs)) stub.resetHistory();
  }
}
