import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { CpuArchitecture } from '../../config/types';
import { RESTORE_DRILL, RESTORE_DRILL_VARIABLES as V, STACK_OUTPUTS } from '../../ops/contracts';
import { acknowledge, acknowledgeFindings } from '../../quality/acknowledge';
import { DATABASE_ROLES_DOCKERFILE_DIR } from '../database-access/database-access';
import { OpsFunction } from '../state-guard/ops-function';

const ENTRY = path.join(__dirname, '..', '..', 'lambda', 'restore-drill', 'index.ts');

/**
 * The verification: psql over TLS (verify-full against the RDS CA bundle the image carries),
 * stopping at the first error; `1/count(*)` divides by zero, so fails, when the restored
 * database has no applied migration: an empty or foreign database does not pass.
 */
export const DRILL_VERIFY_SQL = 'SELECT 1 / count(*) AS applied_migrations_present FROM django_migrations';

export interface RestoreDrillProps {
  /** `<app>-<env>`. */
  readonly name: string;
  readonly appName: string;
  readonly environmentName: string;
  /** The source database's identifier. */
  readonly databaseId: string;
  /** The drill instance's class (`backup.drill.instanceClass`). */
  readonly instanceClass: string;
  /** The ECS cluster's fixed name (`<app>-<env>`). */
  readonly clusterName: string;
  readonly subnetIds: readonly string[];
  readonly taskSecurityGroup: ec2.ISecurityGroup;
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  readonly assignPublicIp: boolean;
  readonly architecture: CpuArchitecture;
  /** `/<app>/<env>`: the task logs to `<prefix>/restore-drill`. */
  readonly logPrefix: string;
  readonly logRetentionDays: number;
  /** Run monthly (Step Functions, started by EventBridge Scheduler) and page on failure. */
  readonly monthly: boolean;
  readonly alarmTopic: sns.ITopic;
}

/**
 * What `booking-infra restore-drill` needs in the environment (issue 16, item 2), and its monthly
 * schedule:
 * - the verification task (`<app>-<env>-restore-drill`, container `verify`): the roles task's
 *   psql image, which checks the restored database over TLS; its password comes from the drill's
 *   throwaway secret, which exists only while a drill runs;
 * - with `monthly`: a state machine that runs the drill one step a minute through a Lambda (the
 *   drill's own code, src/ops/restore-drill.ts), cleans up whatever happens, and fails when the
 *   drill fails; EventBridge Scheduler starts it at 04:00 UTC on the 1st of each month; an alarm
 *   on failed, timed-out or aborted executions pages the ops topic.
 * The restored instance, the secret and the task are made and deleted by the drill, never by
 * CloudFormation.
 */
export class RestoreDrill extends Construct {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly stateMachine?: sfn.StateMachine;
  public readonly function?: OpsFunction;

  constructor(scope: Construct, id: string, props: RestoreDrillProps) {
    super(scope, id);
    Tags.of(this).add('module', 'restore-drill');
    const family = RESTORE_DRILL.taskFamily(props.appName, props.environmentName);
    const secretName = RESTORE_DRILL.passwordSecretName(props.appName, props.environmentName);

    const logGroup = new logs.LogGroup(this, 'TaskLogs', {
      logGroupName: `${props.logPrefix}/restore-drill`,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      family,
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: props.architecture === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      },
    });
    const password = secretsmanager.Secret.fromSecretNameV2(this, 'DrillPassword', secretName);
    this.taskDefinition.addContainer('verify', {
      containerName: RESTORE_DRILL.containerName,
      image: ecs.ContainerImage.fromAsset(DATABASE_ROLES_DOCKERFILE_DIR, {
        platform: props.architecture === 'arm64' ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
      }),
      essential: true,
      user: '10001',
      readonlyRootFilesystem: true,
      // PGHOST, PGPORT, PGUSER and PGDATABASE come from the drill (container overrides).
      entryPoint: ['psql'],
      command: [
        'sslmode=verify-full sslrootcert=/etc/db-roles/rds-ca.pem connect_timeout=30',
        '--no-psqlrc',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        DRILL_VERIFY_SQL,
      ],
      secrets: { PGPASSWORD: ecs.Secret.fromSecretsManager(password) },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'verify' }),
    });
    acknowledgeFindings(
      this.taskDefinition,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*'],
      'Only ecr:GetAuthorizationToken, which has no resource-level permissions, uses "*" (execution role); the pull names the asset repository and the secret is named',
    );
    acknowledge(
      this.taskDefinition,
      'AwsSolutions::AwsSolutions-ECS2',
      'No environment variable is set in the definition; the drill passes the restored host, port, user and database name per run, and the password comes through an ECS secret',
    );

    new CfnOutput(this, STACK_OUTPUTS.app.restoreDrillTaskFamily, { value: family }).overrideLogicalId(
      STACK_OUTPUTS.app.restoreDrillTaskFamily,
    );
    const outputs: Record<string, string> = {
      [STACK_OUTPUTS.app.restoreDrillSubnetIds]: props.subnetIds.join(','),
      [STACK_OUTPUTS.app.restoreDrillTaskSecurityGroupId]: props.taskSecurityGroup.securityGroupId,
      [STACK_OUTPUTS.app.restoreDrillDatabaseSecurityGroupId]: props.databaseSecurityGroup.securityGroupId,
      [STACK_OUTPUTS.app.restoreDrillAssignPublicIp]: props.assignPublicIp ? 'ENABLED' : 'DISABLED',
    };
    for (const [key, value] of Object.entries(outputs)) {
      new CfnOutput(this, key, { value }).overrideLogicalId(key);
    }

    if (!props.monthly) return;
    this.function = this.drillFunction(props, family, secretName);
    this.stateMachine = this.schedule(props, this.function);
  }

  /** The drill's code as a Lambda: one short step per invocation, driven by the state machine. */
  private drillFunction(props: RestoreDrillProps, family: string, secretName: string): OpsFunction {
    const stack = Stack.of(this);
    const arn = (service: string, resource: string) =>
      `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
    const drillInstances = arn('rds', `db:${RESTORE_DRILL.instancePrefix(props.appName, props.environmentName)}*`);
    const passRoles = [this.taskDefinition.taskRole, this.taskDefinition.obtainExecutionRole()];
    const fn = new OpsFunction(this, 'Function', {
      entry: ENTRY,
      description: `${props.name}: the monthly restore drill, one step per call`,
      environment: {
        [V.environment]: props.environmentName,
        [V.appName]: props.appName,
        [V.sourceInstanceId]: props.databaseId,
        [V.instanceClass]: props.instanceClass,
        [V.cluster]: props.clusterName,
        [V.taskFamily]: family,
        [V.subnetIds]: props.subnetIds.join(','),
        [V.taskSecurityGroupId]: props.taskSecurityGroup.securityGroupId,
        [V.databaseSecurityGroupId]: props.databaseSecurityGroup.securityGroupId,
        [V.assignPublicIp]: props.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
      timeout: Duration.minutes(1),
      logRetentionDays: props.logRetentionDays,
      statements: [
        // Describe calls have no resource-level scoping for listing (the leftover sweep lists all).
        // Listing every instance (the sweep finds leftovers by tag) and the source's snapshots.
        new iam.PolicyStatement({
          sid: 'FindRecoveryPointsAndDrills',
          actions: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots'],
          resources: [arn('rds', 'db:*'), arn('rds', 'snapshot:*')],
        }),
        new iam.PolicyStatement({
          sid: 'RestoreIntoDrillInstance',
          actions: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:AddTagsToResource'],
          resources: [
            drillInstances,
            arn('rds', 'snapshot:*'),
            arn('rds', 'subgrp:*'),
            arn('rds', 'pg:*'),
            arn('rds', 'og:*'),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'ChangeAndDeleteDrillInstancesOnly',
          actions: ['rds:ModifyDBInstance', 'rds:DeleteDBInstance'],
          resources: [drillInstances],
        }),
        new iam.PolicyStatement({
          sid: 'DrillPassword',
          actions: [
            'secretsmanager:CreateSecret',
            'secretsmanager:PutSecretValue',
            'secretsmanager:RestoreSecret',
            'secretsmanager:DeleteSecret',
            'secretsmanager:TagResource',
          ],
          resources: [arn('secretsmanager', `secret:${secretName}-??????`)],
        }),
        new iam.PolicyStatement({
          sid: 'RunVerification',
          actions: ['ecs:RunTask'],
          resources: [arn('ecs', `task-definition/${family}:*`)],
          conditions: { ArnEquals: { 'ecs:cluster': arn('ecs', `cluster/${props.clusterName}`) } },
        }),
        // Finding a killed drill's verification task (ListTasks has no resource type).
        new iam.PolicyStatement({
          sid: 'FindVerificationTasks',
          actions: ['ecs:ListTasks'],
          resources: ['*'],
          conditions: { ArnEquals: { 'ecs:cluster': arn('ecs', `cluster/${props.clusterName}`) } },
        }),
        new iam.PolicyStatement({
          sid: 'WatchVerification',
          actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
          resources: [arn('ecs', `task/${props.clusterName}/*`)],
        }),
        new iam.PolicyStatement({
          sid: 'FindLatestRevision',
          actions: ['ecs:DescribeTaskDefinition'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'PassVerificationRoles',
          actions: ['iam:PassRole'],
          resources: passRoles.map((role) => role.roleArn),
          conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
      ],
    });
    acknowledgeFindings(
      fn.role,
      'AwsSolutions::AwsSolutions-IAM5',
      [
        'Resource::*',
        `Resource::${arn('rds', 'db:*')}`,
        `Resource::${drillInstances}`,
        `Resource::${arn('rds', 'snapshot:*')}`,
        `Resource::${arn('rds', 'subgrp:*')}`,
        `Resource::${arn('rds', 'pg:*')}`,
        `Resource::${arn('rds', 'og:*')}`,
        `Resource::${arn('ecs', `task-definition/${family}:*`)}`,
        `Resource::${arn('ecs', `task/${props.clusterName}/*`)}`,
      ],
      "The drill restores into instances named by its own prefix, which it alone may change or delete; RestoreDBInstanceFromDBSnapshot also authorises the snapshot, subnet, parameter and option groups it reads (chosen at run time); it lists every instance and snapshot to find the newest recovery point and a killed drill's leftovers (read only); DescribeTaskDefinition and ListTasks (scoped to this cluster by condition) have no resource type; tasks are of the drill family on this cluster",
    );
    return fn;
  }

  /**
   * start → (wait a minute → advance)* until passed or failed → clean up → succeed or fail; any
   * error → clean up → fail. Four hours at most (a restore of this size takes 10-40 minutes).
   */
  private schedule(props: RestoreDrillProps, fn: OpsFunction): sfn.StateMachine {
    const invoke = (id: string, payload: Record<string, unknown>, resultPath: string) =>
      new tasks.LambdaInvoke(this, id, {
        lambdaFunction: fn.function,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        resultPath,
        retryOnServiceExceptions: true,
      });
    // No drill state yet: a start that fails is cleaned up as a sweep of stale leftovers only.
    const init = new sfn.Pass(this, 'Init', { result: sfn.Result.fromObject({ state: null }) });
    const start = invoke('Start', { action: 'start' }, '$.state');
    const wait = new sfn.Wait(this, 'WaitAMinute', { time: sfn.WaitTime.duration(Duration.minutes(1)) });
    const advance = invoke('Advance', { action: 'advance', 'state.$': '$.state' }, '$.state');
    const cleanUp = invoke('CleanUp', { action: 'cleanup', 'state.$': '$.state' }, '$.cleanup');
    const cleanUpAfterError = invoke('CleanUpAfterError', { action: 'cleanup', 'state.$': '$.state' }, '$.cleanup');
    // RDS refuses to delete an instance still being created or modified: try again each minute.
    for (const step of [cleanUp, cleanUpAfterError]) {
      step.addRetry({
        errors: ['RestoreDrillCleanupPending'],
        interval: Duration.minutes(1),
        maxAttempts: 30,
        backoffRate: 1,
      });
    }
    const passed = new sfn.Succeed(this, 'Passed');
    const failed = new sfn.Fail(this, 'Failed', {
      error: 'RestoreDrillFailed',
      causePath: '$.cleanup.message',
    });
    const errored = new sfn.Fail(this, 'Errored', {
      error: 'RestoreDrillError',
      cause: 'The restore drill stopped on an error (see the execution history); what it made was cleaned up',
    });
    start.addCatch(cleanUpAfterError, { resultPath: '$.error' });
    advance.addCatch(cleanUpAfterError, { resultPath: '$.error' });
    cleanUp.addCatch(errored, { resultPath: '$.error' });
    cleanUpAfterError.addCatch(errored, { resultPath: '$.cleanupError' });
    cleanUpAfterError.next(errored);
    cleanUp.next(
      new sfn.Choice(this, 'DidItPass')
        .when(sfn.Condition.booleanEquals('$.cleanup.passed', true), passed)
        .otherwise(failed),
    );
    const finished = sfn.Condition.or(
      sfn.Condition.stringEquals('$.state.phase', 'passed'),
      sfn.Condition.stringEquals('$.state.phase', 'failed'),
    );
    const definition = init
      .next(start)
      .next(wait)
      .next(advance)
      .next(new sfn.Choice(this, 'Finished').when(finished, cleanUp).otherwise(wait));

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const machine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `${props.name}-restore-drill`,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(4),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledgeFindings(
      machine,
      'AwsSolutions::AwsSolutions-IAM5',
      [
        `Resource::<${Stack.of(this).getLogicalId(fn.function.node.defaultChild as lambda.CfnFunction)}.Arn>:*`,
        'Resource::*',
      ],
      "Step Functions' own grants: invoking the drill function's versions (`<arn>:*`) and writing its logs and X-Ray traces, which have no resource-level permissions",
    );

    new scheduler.Schedule(this, 'Monthly', {
      description: `${props.name}: the monthly restore drill`,
      schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '4', day: '1' }),
      target: new schedulerTargets.StepFunctionsStartExecution(machine, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        role: new iam.Role(this, 'SchedulerRole', {
          assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
            conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
          }),
          description: `${props.name}: starts the monthly restore drill`,
        }),
        retryAttempts: 2,
      }),
    });

    const failures = new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
      usingMetrics: {
        failed: machine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        timedOut: machine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
        aborted: machine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' }),
      },
      period: Duration.minutes(5),
      label: 'failed drills',
    });
    const alarm = failures.createAlarm(this, 'FailedAlarm', {
      alarmName: `${props.name}-restore-drill-failed`,
      alarmDescription: `${props.name}: the monthly restore drill failed: the backups may not restore. See the state machine's execution and ${props.logPrefix}/restore-drill.`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    return machine;
  }
}
