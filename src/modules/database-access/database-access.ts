import * as path from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CpuArchitecture } from '../../config/types';
import { DATABASE_ACCESS_VARIABLES } from '../../lambda/database-access';
import { acknowledge, acknowledgeFindings } from '../../quality/acknowledge';
import type { Database } from '../database/database';
import { OpsFunction } from '../state-guard/ops-function';

/** The roles task's build context (see docker/db-roles/Dockerfile). */
export const DATABASE_ROLES_DOCKERFILE_DIR = path.join(__dirname, '..', '..', '..', 'docker', 'db-roles');
const ENTRY = path.join(__dirname, '..', '..', 'lambda', 'database-access', 'index.ts');

export interface DatabaseAccessProps {
  /** `<app>-<env>`: names the task family, the function and the rule. */
  readonly name: string;
  /** The environment, named in the deploy error when the database is stopped. */
  readonly environmentName: string;
  /** The database: its identifier, endpoint and the three secrets (master, owner, application). */
  readonly database: Database;
  readonly databaseId: string;
  /** The ECS cluster's (fixed) name. */
  readonly clusterName: string;
  /** Where the roles task runs: the worker's subnets and security group (which the database admits). */
  readonly subnetIds: readonly string[];
  readonly securityGroup: ec2.ISecurityGroup;
  readonly assignPublicIp: boolean;
  readonly architecture: CpuArchitecture;
  /** Log group name prefix, e.g. `/booking/dev`: the task logs to `<prefix>/database-roles`. */
  readonly logPrefix: string;
  /**
   * Days the task's and the function's log groups keep their logs. Stored logs cost 0.0315 USD
   * per GB-month in London; the task writes a few lines per run.
   */
  readonly logRetentionDays: number;
  /**
   * Services whose tasks hold the application's credentials, redeployed after each rotation, by
   * their fixed names (a token would make the function depend on the services that depend on it).
   */
  readonly services: ReadonlyArray<{ readonly name: string; readonly service: ecs.FargateService }>;
}

/**
 * Who may log in to the database, kept true in motion:
 * - the roles task (docker/db-roles; 0.25 vCPU for about a minute per run, a fraction of a
 *   cent) creates the migration owner and the application role, idempotently, as the master;
 *   `Custom::DatabaseRoles` runs it on every deploy that changes it, and the services depend on
 *   that resource, so they never switch to a role that does not exist yet;
 * - after each rotation of the application's secret (Secrets Manager's `Secret Label Updated`
 *   event, which needs no CloudTrail trail), a rolling deployment of the services picks the new
 *   credentials up while the previous ones stay valid (alternating users).
 */
export class DatabaseAccess extends Construct {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly roles: CustomResource;
  public readonly function: OpsFunction;
  public readonly rotationRule: events.Rule;

  constructor(scope: Construct, id: string, props: DatabaseAccessProps) {
    super(scope, id);
    Tags.of(this).add('module', 'database-access');
    const stack = Stack.of(this);
    const { database } = props;

    const logGroup = new logs.LogGroup(this, 'TaskLogs', {
      logGroupName: `${props.logPrefix}/database-roles`,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'RolesTask', {
      family: `${props.name}-database-roles`,
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: props.architecture === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      },
    });
    const secret = (from: typeof database.secret, field: string) => ecs.Secret.fromSecretsManager(from, field);
    this.taskDefinition.addContainer('roles', {
      containerName: 'roles',
      image: ecs.ContainerImage.fromAsset(DATABASE_ROLES_DOCKERFILE_DIR, {
        platform: props.architecture === 'arm64' ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
      }),
      essential: true,
      user: '10001',
      readonlyRootFilesystem: true,
      environment: {
        DB_HOST: database.requireInstance('the roles task').dbInstanceEndpointAddress,
        DB_PORT: String(database.port),
        DB_NAME: database.databaseName,
      },
      secrets: {
        MASTER_USER: secret(database.secret, 'username'),
        MASTER_PASSWORD: secret(database.secret, 'password'),
        OWNER_USER: secret(database.ownerSecret, 'username'),
        OWNER_PASSWORD: secret(database.ownerSecret, 'password'),
        APP_USER: secret(database.applicationSecret, 'username'),
        APP_PASSWORD: secret(database.applicationSecret, 'password'),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'roles' }),
    });
    acknowledgeFindings(
      this.taskDefinition,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*'],
      'Only ecr:GetAuthorizationToken, which has no resource-level permissions, uses "*" (execution role); the pull names the asset repository and the secrets are named one by one',
    );
    acknowledge(
      this.taskDefinition,
      'AwsSolutions::AwsSolutions-ECS2',
      'Only the database host, port and name are plain environment variables; the three credentials come through ECS secrets from Secrets Manager',
    );

    const taskRevisions = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task-definition/${props.name}-database-roles:*`;
    const clusterTasks = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task/${props.clusterName}/*`;
    const passRoles = [this.taskDefinition.taskRole, this.taskDefinition.obtainExecutionRole()];
    this.function = new OpsFunction(this, 'Function', {
      entry: ENTRY,
      description: `${props.name}: runs the database roles task on deploy; redeploys the services after a credential rotation`,
      environment: {
        [DATABASE_ACCESS_VARIABLES.cluster]: props.clusterName,
        [DATABASE_ACCESS_VARIABLES.services]: props.services.map((service) => service.name).join(','),
      },
      // Pulling a small image and one psql run take about a minute; Lambda allows 15.
      timeout: Duration.minutes(14),
      logRetentionDays: props.logRetentionDays,
      statements: [
        new iam.PolicyStatement({
          sid: 'DatabaseRunning',
          actions: ['rds:DescribeDBInstances'],
          resources: [database.requireInstance('the roles task').instanceArn],
        }),
        new iam.PolicyStatement({
          sid: 'RunRolesTask',
          actions: ['ecs:RunTask'],
          resources: [taskRevisions],
          conditions: {
            ArnEquals: {
              'ecs:cluster': `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:cluster/${props.clusterName}`,
            },
          },
        }),
        new iam.PolicyStatement({ sid: 'WatchRolesTask', actions: ['ecs:DescribeTasks'], resources: [clusterTasks] }),
        new iam.PolicyStatement({
          sid: 'PassRolesTaskRoles',
          actions: ['iam:PassRole'],
          resources: passRoles.map((role) => role.roleArn),
          conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
        new iam.PolicyStatement({
          sid: 'RedeployServices',
          actions: ['ecs:UpdateService'],
          resources: props.services.map(
            (service) =>
              `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:service/${props.clusterName}/${service.name}`,
          ),
        }),
      ],
    });
    acknowledgeFindings(
      this.function.role,
      'AwsSolutions::AwsSolutions-IAM5',
      [`Resource::${taskRevisions}`, `Resource::${clusterTasks}`],
      'Running is limited to the roles task family (any revision: each change registers one) on this cluster, and watching to tasks of this cluster, whose ids are not known in advance',
    );

    this.roles = new CustomResource(this, 'Roles', {
      serviceToken: this.function.function.functionArn,
      resourceType: 'Custom::DatabaseRoles',
      // A lost answer fails the deploy after 15 minutes instead of CloudFormation's hour.
      serviceTimeout: Duration.minutes(15),
      properties: {
        Cluster: props.clusterName,
        // A new revision (new image, new secrets, new host) runs the task again.
        TaskDefinition: this.taskDefinition.taskDefinitionArn,
        Subnets: props.subnetIds.join(','),
        SecurityGroup: props.securityGroup.securityGroupId,
        AssignPublicIp: props.assignPublicIp ? 'ENABLED' : 'DISABLED',
        DatabaseId: props.databaseId,
        LogGroup: logGroup.logGroupName,
        Environment: props.environmentName,
      },
    });
    this.roles.node.addDependency(this.function.role);
    // The task pulls its image and reads the three secrets with the execution role's policy:
    // started before that policy exists, it would fail to initialize.
    this.roles.node.addDependency(this.taskDefinition, this.taskDefinition.obtainExecutionRole());
    // The services switch to the roles' credentials only once the roles exist.
    for (const { service } of props.services) service.node.addDependency(this.roles);

    this.rotationRule = new events.Rule(this, 'RotationRule', {
      description: `${props.name}: the application's database credentials rotated; replace the tasks holding the old ones`,
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['Secret Label Updated'],
        detail: { name: [database.applicationSecretName], labelUpdated: ['AWSCURRENT'] },
      },
      targets: [new targets.LambdaFunction(this.function.function, { retryAttempts: 4 })],
    });
  }
}
