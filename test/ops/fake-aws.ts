import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeDBInstancesCommand,
  RDSClient,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
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
  'PutParameterCommand',
];

/**
 * A small simulation of one environment behind aws-sdk-client-mock: services converge to their
 * desired count one poll after a change, the database passes through stopping/starting.
 */
export class FakeAws {
  readonly services: Record<string, FakeService>;
  database = 'available';
  readonly parameters: Record<string, string> = {};
  readonly clients: OpsClients;
  readonly stubs: Record<string, AwsStub<any, any, any>> = {};
  private pendingDatabase?: string;

  constructor(
    readonly env = 'dev',
    options: { minimal?: boolean } = {},
  ) {
    this.services = options.minimal
      ? {}
      : {
          [`booking-${env}-web`]: { desired: 1, running: 1, min: 1, max: 2 },
          [`booking-${env}-worker`]: { desired: 0, running: 0, min: 0, max: 2 },
        };
    const region = { region: 'eu-west-2' };
    this.clients = {
      autoscaling: new ApplicationAutoScalingClient(region),
      cloudformation: new CloudFormationClient(region),
      connections: new CodeStarConnectionsClient(region),
      ecs: new ECSClient(region),
      elasticache: new ElastiCacheClient(region),
      elbv2: new ElasticLoadBalancingV2Client(region),
      rds: new RDSClient(region),
      route53: new Route53Client(region),
      ssm: new SSMClient(region),
      sts: new STSClient(region),
    };
    for (const [name, client] of Object.entries(this.clients)) this.stubs[name] = mockClient(client);
    this.install(Boolean(options.minimal));
  }

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
            ...(minimal ? {} : { CacheReplicationGroupId: `booking-${env}` }),
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
                  WebTargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-2:111111111111:targetgroup/web/1',
                  LoadBalancerDnsName: 'lb.eu-west-2.elb.amazonaws.com',
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
    this.stubs.ecs.on(UpdateServiceCommand).callsFake((input: { service: string; desiredCount: number }) => {
      this.services[input.service].desired = input.desiredCount;
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
        service.min = input.MinCapacity;
        service.max = input.MaxCapacity;
        return {};
      });

    this.stubs.rds.on(DescribeDBInstancesCommand).callsFake(() => {
      const answer = { DBInstances: [{ DBInstanceIdentifier: `booking-${env}`, DBInstanceStatus: this.database }] };
      if (this.pendingDatabase) {
        this.database = this.pendingDatabase;
        this.pendingDatabase = undefined;
      }
      return answer;
    });
    this.stubs.rds.on(StopDBInstanceCommand).callsFake(() => {
      if (this.database !== 'available')
        throw Object.assign(new Error(`instance is ${this.database}`), { name: 'InvalidDBInstanceStateFault' });
      this.database = 'stopping';
      this.pendingDatabase = 'stopped';
      return {};
    });
    this.stubs.rds.on(StartDBInstanceCommand).callsFake(() => {
      if (this.database !== 'stopped')
        throw Object.assign(new Error(`instance is ${this.database}`), { name: 'InvalidDBInstanceStateFault' });
      this.database = 'starting';
      this.pendingDatabase = 'available';
      return {};
    });

    this.stubs.ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => {
      if (!(input.Name in this.parameters)) throw new ParameterNotFound({ message: 'not found', $metadata: {} });
      return { Parameter: { Name: input.Name, Value: this.parameters[input.Name], Type: 'String' } };
    });
    this.stubs.ssm.on(PutParameterCommand).callsFake((input: { Name: string; Value: string }) => {
      this.parameters[input.Name] = input.Value;
      return {};
    });
    this.stubs.elbv2.on(DescribeTargetHealthCommand).callsFake(() => ({
      TargetHealthDescriptions: Array.from({ length: this.services[`booking-${env}-web`]?.running ?? 0 }, () => ({
        TargetHealth: { State: 'healthy' },
      })),
    }));
    this.stubs.elasticache
      .on(DescribeReplicationGroupsCommand)
      .resolves({ ReplicationGroups: [{ ReplicationGroupId: `booking-${env}`, Status: 'available' }] });
  }

  /** Names of the mutating calls made so far, in order. */
  mutatingCalls(): string[] {
    return Object.values(this.stubs)
      .flatMap((stub) => stub.calls())
      .map((call) => call.args[0].constructor.name)
      .filter((name) => MUTATING.includes(name));
  }

  stateRecord(): any {
    const value = this.parameters[`/booking/${this.env}/ops/state`];
    return value ? JSON.parse(value) : undefined;
  }

  reset(): void {
    for (const stub of Object.values(this.stubs)) stub.resetHistory();
  }
}
