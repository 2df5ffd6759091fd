import { Fn, Stack } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { acknowledgeFindings } from '../../quality/acknowledge';
import type { ArtifactStore } from './artifact-store';
import { migrateSpec } from './buildspecs';
import { StepProject } from './step-project';

/** The migrate task the gate runs: its family, cluster and the network it runs in. */
export interface MigrateTaskTarget {
  /** Family of the migrate task definition; the step registers a revision of it per release. */
  readonly family: string;
  /** Name of the ECS cluster the task runs in (also scopes the step's ecs:DescribeTasks). */
  readonly clusterName: string;
  /** Subnets the task runs in (the worker's). */
  readonly subnetIds: readonly string[];
  /** Security group the task runs with (the worker's, which may reach the database). */
  readonly securityGroupId: string;
  /** Give the task a public IP (public task subnets, no NAT gateway) so that it can pull its image. */
  readonly assignPublicIp: boolean;
  /** The roles the migrate task runs with (the worker's task and execution roles): the only ones the step may pass. */
  readonly roles: readonly iam.IRole[];
}

export interface MigrateStepProps {
  /** The pipeline's name, e.g. `booking-dev`: the project is `<name>-migrate`. */
  readonly name: string;
  /** The task to run and where. */
  readonly migrate: MigrateTaskTarget;
  /** The commit being released (the source step's output). */
  readonly source: codepipeline.Artifact;
  /** `IMAGE`, the image the build step pushed (see `BuildStep.imageVariable`). */
  readonly imageVariable: Record<string, codebuild.BuildEnvironmentVariable>;
  /** The pipeline's artifacts bucket. */
  readonly artifacts: ArtifactStore;
  /** Days the step's log group keeps its logs. */
  readonly logRetentionDays: number;
}

/**
 * The migration gate: runs the migrate task once on the new image (see `migrateSpec`) and stops
 * the release, before any service changes, unless it exits 0. Its role may register and run
 * revisions of the migrate family only and pass only the migrate task's two roles.
 */
export class MigrateStep {
  public readonly project: codebuild.PipelineProject;
  public readonly role: iam.Role;
  public readonly stage: codepipeline.StageProps;

  constructor(scope: IConstruct, props: MigrateStepProps) {
    const { migrate } = props;
    const stack = Stack.of(scope);
    const taskDefinitionRevisions = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task-definition/${migrate.family}:*`;
    const clusterTasks = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task/${migrate.clusterName}/*`;
    const step = new StepProject(scope, 'Migrate', {
      name: props.name,
      spec: migrateSpec(),
      statements: [
        // Neither action supports resource-level permissions.
        new iam.PolicyStatement({
          sid: 'RegisterMigrateRevisions',
          actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({ sid: 'RunMigrate', actions: ['ecs:RunTask'], resources: [taskDefinitionRevisions] }),
        new iam.PolicyStatement({ sid: 'WatchMigrate', actions: ['ecs:DescribeTasks'], resources: [clusterTasks] }),
        new iam.PolicyStatement({
          sid: 'PassMigrateRoles',
          actions: ['iam:PassRole'],
          resources: migrate.roles.map((role) => role.roleArn),
          // Only to ECS, for the migrate task: the roles cannot be handed to another service.
          conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
      ],
      artifacts: props.artifacts,
      logRetentionDays: props.logRetentionDays,
      environmentVariables: {
        MIGRATE_FAMILY: { value: migrate.family },
        CLUSTER: { value: migrate.clusterName },
        SUBNETS: { value: Fn.join(',', [...migrate.subnetIds]) },
        SECURITY_GROUP: { value: migrate.securityGroupId },
        ASSIGN_PUBLIC_IP: { value: migrate.assignPublicIp ? 'ENABLED' : 'DISABLED' },
      },
    });
    this.project = step.project;
    this.role = step.role;
    acknowledgeFindings(
      this.role,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*', `Resource::${taskDefinitionRevisions}`, `Resource::${clusterTasks}`],
      'Registering and describing task definitions offer no resource scope; running is limited to the migrate family (any revision, since each release registers one) and watching to tasks of this cluster',
    );

    this.stage = {
      stageName: 'Migrate',
      actions: [
        new actions.CodeBuildAction({
          actionName: 'RunMigrations',
          project: this.project,
          input: props.source,
          environmentVariables: props.imageVariable,
        }),
      ],
    };
  }
}
