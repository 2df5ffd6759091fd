import * as path from 'node:path';
import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CUSTOM_METRICS_TAG } from '../../cost/estimator';
import { CACHE_TUNNEL } from '../../ops/contracts';
import { acknowledgeFindings } from '../../quality/acknowledge';
import type { Cache } from '../cache/cache';

/**
 * The publisher's source: bundled with esbuild at synth, its Redis client (ioredis) and its SigV4
 * signer (@smithy/signature-v4, @aws-crypto/sha256-js) included; the AWS SDK, which it does not
 * use, would come with the runtime.
 */
export const QUEUE_DEPTH_ENTRY = path.join(__dirname, '..', '..', 'lambda', 'queue-depth', 'index.ts');

/** How the publisher reaches a cache task (`cache.hosting: task`): its tunnel's name and secrets. */
export interface QueueMetricsTunnel {
  /** The cache task's Cloud Map name, e.g. `cache.booking-dev.internal` (port CACHE_TUNNEL.port). */
  readonly host: string;
  /** JSON secret whose key `psk` is the tunnel's pre-shared key. */
  readonly pskSecret: secretsmanager.ISecret;
  /** JSON secret whose key `token` is the password Valkey requires (its default user's). */
  readonly passwordSecret: secretsmanager.ISecret;
}

export interface QueueMetricsProps {
  /** The environment's VPC: the function runs inside it to reach the cache. */
  readonly vpc: ec2.IVpc;
  /** Subnets with a route to the cache; no internet route needed. */
  readonly subnets: ec2.SubnetSelection;
  /** A group the cache admits (the worker's). */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The ElastiCache cache holding the Dramatiq queues: host, port, TLS flag, replication group id
   * and the IAM-authenticated user the function connects as (no secret reaches the function).
   * Give this or `tunnel`.
   */
  readonly cache?: Cache;
  /**
   * The cache is a task (`cache.hosting: task`): the function speaks TLS-PSK to its tunnel
   * (`CACHE_TLS=psk`) and authenticates with the password. It runs without NAT or a Secrets
   * Manager endpoint, so both secrets reach it as environment variables that CloudFormation
   * resolves at deploy time (dynamic references: the template holds neither; Lambda keeps them
   * encrypted at rest, readable with `lambda:GetFunctionConfiguration`). Give this or `cache`.
   * @default none: ElastiCache with IAM authentication (`cache`)
   */
  readonly tunnel?: QueueMetricsTunnel;
  /** Dramatiq queues whose waiting messages are summed into `QueueBacklog`, e.g. `['default']`. */
  readonly queues: readonly string[];
  /** The environment's name, e.g. `dev`: the metrics' `Environment` dimension. */
  readonly environmentName: string;
  /**
   * CloudWatch namespace, e.g. `booking`. The two metrics published there (`QueueBacklog`,
   * `QueuedJobs`) cost 0.30 USD/month each in London.
   */
  readonly namespace: string;
  /**
   * Days the function's log group keeps its logs (a value CloudWatch Logs accepts). The metrics
   * are log lines: ingestion costs 0.5985 USD/GB, storage 0.0315 USD per GB-month in London.
   */
  readonly logRetentionDays: number;
}

/**
 * The function's variables that say how it reaches the cache (read by src/lambda/queue-depth's
 * clientOptions): ElastiCache with an IAM user, or the cache task's TLS-PSK tunnel.
 */
function publisherCacheVariables(
  cache: Cache | undefined,
  tunnel: QueueMetricsTunnel | undefined,
): Record<string, string> {
  if (tunnel && !cache) {
    return {
      CACHE_HOST: tunnel.host,
      CACHE_PORT: String(CACHE_TUNNEL.port),
      CACHE_TLS: 'psk',
      CACHE_TUNNEL_PSK: tunnel.pskSecret.secretValueFromJson('psk').unsafeUnwrap(),
      CACHE_PASSWORD: tunnel.passwordSecret.secretValueFromJson('token').unsafeUnwrap(),
    };
  }
  if (cache && !tunnel) {
    return {
      CACHE_HOST: cache.host,
      CACHE_PORT: String(cache.port),
      CACHE_TLS: String(cache.tls),
      // No secret: the function signs an IAM token for this user and replication group with
      // its role's credentials (so it needs neither Secrets Manager nor a NAT gateway or an
      // interface endpoint). The region is Lambda's AWS_REGION.
      CACHE_USER: cache.publisherUserId,
      CACHE_REPLICATION_GROUP_ID: cache.replicationGroupId,
    };
  }
  throw new Error(
    'QueueMetrics: give either `cache` (ElastiCache, IAM authentication) or `tunnel` (the cache task), not both or neither',
  );
}

/**
 * Publishes the Dramatiq backlog as the metric `QueueBacklog` (and `QueuedJobs`) once a minute,
 * from a small Lambda in the VPC. It runs whether or not any worker runs (so scaling from zero
 * works) and needs no NAT gateway or endpoint: the metrics are an Embedded Metric Format log line
 * that Lambda's own log delivery carries out of the VPC. Cost: two custom metrics (0.30 USD/month
 * each) and ~44k short invocations a month.
 */
export class QueueMetrics extends Construct {
  public readonly function: nodejs.NodejsFunction;
  /** Messages waiting, summed over the configured queues. */
  public readonly backlog: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: QueueMetricsProps) {
    super(scope, id);
    const { cache, tunnel } = props;
    const cacheVariables = publisherCacheVariables(cache, tunnel);
    Tags.of(this).add('module', 'queue-metrics');
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role instead of the AWS-managed Lambda policies: its log group, and the network
    // interfaces a VPC function needs.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: tunnel
        ? 'Queue-backlog publisher: writes its log group, manages its VPC network interfaces'
        : 'Queue-backlog publisher: writes its log group, manages its VPC network interfaces, connects to the cache as its IAM user',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${logGroup.logGroupArn}`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
    // IAM authentication to the cache: elasticache:Connect on the replication group and the user.
    // (The cache task needs no grant: its password comes with the function's environment.)
    cache?.grantPublisherConnect(role);
    acknowledgeFindings(
      role,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*'],
      "A VPC function's network-interface actions (ec2:CreateNetworkInterface and friends) offer no resource-level permissions",
    );
    this.function = new nodejs.NodejsFunction(this, 'Publisher', {
      role,
      description: `Publishes the ${props.environmentName} Dramatiq backlog to CloudWatch every minute`,
      entry: QUEUE_DEPTH_ENTRY,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      bundling: { externalModules: ['@aws-sdk/*'], minify: true, sourceMap: false, logLevel: nodejs.LogLevel.WARNING },
      memorySize: 128,
      timeout: Duration.seconds(20),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      logGroup,
      environment: {
        ...cacheVariables,
        QUEUES: props.queues.join(','),
        METRIC_NAMESPACE: props.namespace,
        ENVIRONMENT: props.environmentName,
      },
    });
    // Read by the cost estimator: the custom metrics this function publishes, QueueBacklog and
    // QueuedJobs.
    Tags.of(this.function).add(CUSTOM_METRICS_TAG, '2');
    new events.Rule(this, 'EveryMinute', {
      description: 'Triggers the queue-backlog publisher',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new eventTargets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
    this.backlog = new cloudwatch.Metric({
      namespace: props.namespace,
      metricName: 'QueueBacklog',
      dimensionsMap: { Environment: props.environmentName },
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
  }
}
