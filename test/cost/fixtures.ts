import assert from 'node:assert/strict';
import type { UsageAssumptions } from '../../src/config/types';
import { type CostEstimate, estimate, type StackTemplate } from '../../src/cost/estimator';
import { priceTableFor } from '../../src/cost/prices';

/** A hand-made template with one of each priced resource; the expected figures are worked in the test. */
export const fixtureStack: StackTemplate = {
  stackName: 'fixture-stack',
  region: 'eu-west-2',
  template: {
    Resources: {
      Nat: { Type: 'AWS::EC2::NatGateway', Properties: { Tags: [{ Key: 'module', Value: 'networking' }] } },
      NatIp: { Type: 'AWS::EC2::EIP', Properties: {} },
      Vpc: { Type: 'AWS::EC2::VPC', Properties: {} },
      Alb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { Type: 'application', Scheme: 'internet-facing', Subnets: ['subnet-a', 'subnet-b'] },
      },
      Db: {
        Type: 'AWS::RDS::DBInstance',
        Properties: {
          DBInstanceClass: 'db.t4g.micro',
          MultiAZ: false,
          StorageType: 'gp3',
          AllocatedStorage: '20',
          MaxAllocatedStorage: 100,
        },
      },
      Cache: {
        Type: 'AWS::ElastiCache::ReplicationGroup',
        Properties: { Engine: 'valkey', CacheNodeType: 'cache.t4g.micro', NumCacheClusters: 2 },
      },
      TaskDef: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: {
          Cpu: '256',
          Memory: '512',
          RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
        },
      },
      Service: {
        Type: 'AWS::ECS::Service',
        Properties: {
          TaskDefinition: { Ref: 'TaskDef' },
          DesiredCount: 2,
          CapacityProviderStrategy: [
            { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
            { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
          ],
          NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
        },
      },
      Endpoint: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', SubnetIds: ['a', 'b'] } },
      S3Endpoint: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway' } },
      Zone: { Type: 'AWS::Route53::HostedZone', Properties: {} },
      Secret: { Type: 'AWS::SecretsManager::Secret', Properties: {} },
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      Alarm1: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
      Alarm2: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
      Dashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
      Advanced: { Type: 'AWS::SSM::Parameter', Properties: { Tier: 'Advanced' } },
      Standard: { Type: 'AWS::SSM::Parameter', Properties: {} },
      Publisher: { Type: 'AWS::Lambda::Function', Properties: {} },
      Mystery: { Type: 'AWS::Made::Up', Properties: {} },
    },
  },
};

/** Usage assumptions of the hand-made templates. */
export const usage: UsageAssumptions = {
  albLcu: 1,
  natDataGiB: 10,
  logIngestGiB: 2,
  ecrStorageGiB: 0,
  buildMinutes: 0,
  pipelineActionMinutes: 0,
  s3StorageGiB: 0,
  cdnDataGiB: 0,
  requestsMillions: 0,
  databaseBackupGiB: 30,
  fargateSpotDiscount: 0.7,
  stateTableReadsPerMonth: 18_000,
  stateTableWritesPerMonth: 400,
};

/** The line of `logicalId`, failing when there is none. */
export const line = (result: CostEstimate, logicalId: string) => {
  const found = result.lines.find((candidate) => candidate.logicalId === logicalId);
  assert.ok(found, `a line for ${logicalId}`);
  return found;
};

/** Prices one hand-made stack (eu-west-2) in `state`. */
export function priceStack(resources: StackTemplate['template']['Resources'], state: 'running' | 'paused' | 'minimal') {
  return estimate({
    environment: 'fixture',
    state,
    region: 'eu-west-2',
    logRetentionDays: 30,
    usage,
    stacks: [{ stackName: 'fixture-app', region: 'eu-west-2', template: { Resources: resources } }],
    priceTables: priceTableFor,
  });
}
