import { Duration, Stack, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { ScheduleConfig } from '../../config/types';
import { acknowledgeFindings } from '../../quality/acknowledge';
import { PAUSE_SILENCED_ALARMS, OPS_LAMBDA_VARIABLES as V } from '../../ops/contracts';
import type { ConfiguredCapacity } from '../../ops/resources';
import { OpsFunction, opsVariables, stateTableStatement } from '../state-guard/ops-function';

export interface EnvironmentScheduleProps {
  /** The application's name (`app` tag of the environment's resources), e.g. `booking`. */
  readonly appName: string;
  /** The environment's name, e.g. `dev`. */
  readonly environmentName: string;
  /**
   * When to pause and resume (EventBridge Scheduler expressions and their time zone). While
   * paused the tasks and the database instance cost nothing; storage, an ALB and an ElastiCache cache still do (a task cache stops too).
   */
  readonly schedule: ScheduleConfig;
  /** Identifier of the RDS instance a pause stops and a resume starts, e.g. `booking-dev`. */
  readonly databaseId: string;
  /** The services' ECS cluster, e.g. `booking-dev`; also scopes ecs:ListTasks and ecs:DescribeTasks. */
  readonly clusterName: string;
  /** Name of the web service, e.g. `booking-dev-web`. */
  readonly webServiceName: string;
  /** Name of the worker service, e.g. `booking-dev-worker`. */
  readonly workerServiceName: string;
  /**
   * The cache task's service (`cache.hosting: task`), e.g. `booking-dev-cache`: paused after web
   * and worker, resumed (and waited for) before them.
   * @default none (an ElastiCache cache, which is never stopped)
   */
  readonly cacheServiceName?: string;
  /** ARNs of the web and worker services (and the cache's): the only services the function may update. */
  readonly serviceArns: readonly string[];
  /**
   * The web target group (`ingress: alb`), whose target health a resume waits on.
   * @default none: behind the HTTP API (`vpcLinkId`) a resume waits on the web tasks' container
   * health check instead
   */
  readonly targetGroupArn?: string;
  /**
   * The HTTP API's VPC link (`ingress: http-api`): a resume reads it and, when it went INACTIVE
   * after 60 days without traffic, wakes it with requests to `apiUrl`.
   * @default none (no HTTP API)
   */
  readonly vpcLinkId?: string;
  /** The API's URL, `https://<apiHost>/`: where a resume sends the requests that wake the VPC link. */
  readonly apiUrl: string;
  /** A pause waits while a migrate task of this family runs. */
  readonly migrateFamily: string;
  /** A pause waits while this pipeline has a release in progress. */
  readonly pipelineName: string;
  /** The environment's state table (record, lock, journal), e.g. `booking-dev-ops-state`. */
  readonly stateTableName: string;
  /** The configured scaling bounds of web and worker (config minTasks / maxTasks), restored on resume. */
  readonly configured: ConfiguredCapacity;
  /** CloudWatch namespace of the ops metrics (the app name, e.g. `booking`). */
  readonly metricNamespace: string;
  /**
   * Days the function's log group keeps its logs (a value CloudWatch Logs accepts). Stored logs
   * cost 0.0315 USD per GB-month.
   */
  readonly logRetentionDays: number;
}

/**
 * Pauses and resumes the environment on a schedule (e.g. nights and weekends in Europe/London)
 * with EventBridge Scheduler invoking the same pause / resume logic as the CLI.
 */
export class EnvironmentSchedule extends Construct {
  public readonly ops: OpsFunction;

  constructor(scope: Construct, id: string, props: EnvironmentScheduleProps) {
    super(scope, id);
    Tags.of(this).add('module', 'schedule');
    const stack = Stack.of(this);
    const arn = (service: string, resource: string) =>
      `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
    // As cdk-nag names a resource in its findings: a partition token as <AWS::Partition>.
    const finding = (resource: string) =>
      `Resource::${resource.replace(stack.partition, Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition)}`;
    const clusterTasks = arn('ecs', `task/${props.clusterName}/*`);
    // Without a load balancer, resume waits on the web container's own health check.
    // (and on the cache task's, which a resume waits for before web and worker).
    const taskHealth = Boolean((props.vpcLinkId && !props.targetGroupArn) || props.cacheServiceName);
    this.ops = new OpsFunction(this, 'Operator', {
      description: `Pauses and resumes ${props.environmentName} on its schedule`,
      environment: {
        ...opsVariables(props),
        [V.cluster]: props.clusterName,
        [V.webService]: props.webServiceName,
        [V.workerService]: props.workerServiceName,
        ...(props.cacheServiceName ? { [V.cacheService]: props.cacheServiceName } : {}),
        ...(props.targetGroupArn ? { [V.targetGroupArn]: props.targetGroupArn } : {}),
        ...(props.vpcLinkId ? { [V.vpcLinkId]: props.vpcLinkId } : {}),
        [V.apiUrl]: props.apiUrl,
        [V.migrateFamily]: props.migrateFamily,
        [V.pipelineName]: props.pipelineName,
      },
      timeout: Duration.minutes(15),
      logRetentionDays: props.logRetentionDays,
      statements: [
        new iam.PolicyStatement({
          actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
          resources: [...props.serviceArns],
        }),
        new iam.PolicyStatement({
          // Neither offers a resource to name: describing is read-only.
          actions: [
            'application-autoscaling:DescribeScalableTargets',
            ...(props.targetGroupArn ? ['elasticloadbalancing:DescribeTargetHealth'] : []),
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          // Bounds of this environment's ECS services only: the scalable targets carry the
          // app and environment tags (the services' modules tag them), which IAM checks on
          // every update of an existing target. Another environment's targets, in the same
          // account, do not match.
          sid: 'OwnScalableTargets',
          actions: ['application-autoscaling:RegisterScalableTarget'],
          resources: [arn('application-autoscaling', 'scalable-target/*')],
          conditions: {
            StringEquals: {
              'aws:ResourceTag/app': props.appName,
              'aws:ResourceTag/environment': props.environmentName,
              'application-autoscaling:service-namespace': 'ecs',
              'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
            },
          },
        }),
        new iam.PolicyStatement({
          // Pause silences the alarms a paused environment trips; resume lets them page again.
          actions: ['cloudwatch:DisableAlarmActions', 'cloudwatch:EnableAlarmActions'],
          resources: PAUSE_SILENCED_ALARMS.map((suffix) => arn('cloudwatch', `alarm:${props.databaseId}-${suffix}`)),
        }),
        new iam.PolicyStatement({
          actions: ['rds:DescribeDBInstances', 'rds:StopDBInstance', 'rds:StartDBInstance'],
          resources: [arn('rds', `db:${props.databaseId}`)],
        }),
        stateTableStatement(stack, props.stateTableName, [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ]),
        new iam.PolicyStatement({
          // ListTasks has no resource type of its own: it is scoped by the cluster condition.
          actions: ['ecs:ListTasks'],
          resources: ['*'],
          conditions: { ArnEquals: { 'ecs:cluster': arn('ecs', `cluster/${props.clusterName}`) } },
        }),
        new iam.PolicyStatement({
          actions: ['codepipeline:GetPipelineState'],
          resources: [arn('codepipeline', props.pipelineName)],
        }),
        // Behind the HTTP API, resume reads the web tasks' container health (ListTasks above finds them).
        ...(taskHealth ? [new iam.PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [clusterTasks] })] : []),
        // Resume reads the VPC link's status (API Gateway authorises reads as apigateway:GET on its path).
        ...(props.vpcLinkId
          ? [
              new iam.PolicyStatement({
                actions: ['apigateway:GET'],
                resources: [`arn:${stack.partition}:apigateway:${stack.region}::/vpclinks/${props.vpcLinkId}`],
              }),
            ]
          : []),
      ],
    });
    acknowledgeFindings(
      this.ops.role,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*', finding(arn('application-autoscaling', 'scalable-target/*'))],
      `application-autoscaling:DescribeScalableTargets${props.targetGroupArn ? ' and elasticloadbalancing:DescribeTargetHealth offer' : ' offers'} no resource-level permissions; RegisterScalableTarget is limited to scalable targets tagged with this app and environment (ECS desired count only), whose ids AWS generates; ecs:ListTasks is limited to this cluster by the ecs:cluster condition`,
    );
    if (taskHealth) {
      acknowledgeFindings(
        this.ops.role,
        'AwsSolutions::AwsSolutions-IAM5',
        [finding(clusterTasks)],
        "ecs:DescribeTasks (read only) on this cluster's tasks: a resume reads the health of the web tasks (behind the HTTP API) and of the cache task, and their ids are ECS's, known only at run time",
      );
    }

    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    // The unqualified function only (grantInvoke would add every version, `<arn>:*`).
    schedulerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.ops.function.functionArn] }),
    );
    for (const action of ['pause', 'resume'] as const) {
      new scheduler.CfnSchedule(this, action === 'pause' ? 'Pause' : 'Resume', {
        description: `${action} ${props.environmentName}`,
        scheduleExpression: props.schedule[action],
        scheduleExpressionTimezone: props.schedule.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: this.ops.function.functionArn,
          roleArn: schedulerRole.roleArn,
          input: JSON.stringify({ action }),
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        },
      });
    }
  }
}
