import * as path from 'node:path';
import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CUSTOM_METRICS_TAG } from '../../cost/estimator';
import { acknowledgeFindings } from '../../quality/acknowledge';
import type { Cache } from '../cache/cache';

/** Where the publisher's code lives (plain JavaScript, no dependencies, no bundling). */
export const QUEUE_DEPTH_CODE = path.join(__dirname, '..', '..', 'lambda', 'queue-depth');

export interface QueueMetricsProps {
  readonly vpc: ec2.IVpc;
  /** Subnets with a route to the cache; no internet route needed. */
  readonly subnets: ec2.SubnetSelection;
  /** A group the cache admits (the worker's). */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly cache: Cache;
  readonly queues: readonly string[];
  readonly environmentName: string;
  /** CloudWatch namespace, e.g. `booking`. */
  readonly namespace: string;
  readonly logRetentionDays: number;
}

/**
 * Publishes the Dramatiq backlog as the metric `QueueBacklog` once a minute, from a small Lambda
 * in the VPC. It runs whether or not any worker runs (so scaling from zero works) and needs no
 * NAT gateway or endpoint: the metric is an Embedded Metric Format log line that Lambda's own log
 * delivery carries out of the VPC. Cost: one custom metric (0.30 USD/month) and ~44k short
 * invocations a month.
 */
export class QueueMetrics extends Construct {
  public readonly function: lambda.Function;
  /** Messages waiting, summed over the configured queues. */
  public readonly backlog: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: QueueMetricsProps) {
    super(scope, id);
    Tags.of(this).add('module', 'queue-metrics');
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role instead of the AWS-managed Lambda policies: its log group, and the network
    // interfaces a VPC function needs.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Queue-backlog publisher: writes its log group, manages its VPC network interfaces',
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
    acknowledgeFindings(
      role,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*'],
      "A VPC function's network-interface actions (ec2:CreateNetworkInterface and friends) offer no resource-level permissions",
    );
    this.function = new lambda.Function(this, 'Publisher', {
      role,
      description: `Publishes the ${props.environmentName} Dramatiq backlog to CloudWatch every minute`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(QUEUE_DEPTH_CODE),
      memorySize: 128,
      timeout: Duration.seconds(20),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      logGroup,
      environment: {
        CACHE_HOST: props.cache.host,
        CACHE_PORT: String(props.cache.port),
        CACHE_TLS: String(props.cache.tls),
        // Resolved by CloudFormation at deploy time; the function cannot reach Secrets Manager
        // without a NAT gateway or an interface endpoint, both billed by the hour.
        CACHE_AUTH_TOKEN: props.cache.authToken.secretValueFromJson('token').unsafeUnwrap(),
        QUEUES: props.queues.join(','),
        METRIC_NAMESPACE: props.namespace,
        ENVIRONMENT: props.environmentName,
      },
    });
    // Read by the cost estimator: the custom metrics this function publishes (QueueBacklog).
    // QueueBacklog and QueuedJobs.
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
