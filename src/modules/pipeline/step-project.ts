import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { acknowledgeFindings } from '../../quality/acknowledge';
import type { ArtifactStore } from './artifact-store';

export interface StepProjectProps {
  /** The pipeline's name, e.g. `booking-dev`: the project is named `<name>-<id in lower case>`. */
  readonly name: string;
  /** The build specification (see `buildspecs.ts`). */
  readonly spec: Record<string, unknown>;
  /** What the step may do beyond writing its logs and using the pipeline's artifacts. */
  readonly statements: readonly iam.PolicyStatement[];
  /** The pipeline's artifacts bucket, which the step reads and writes. */
  readonly artifacts: ArtifactStore;
  /**
   * Days the step's CloudWatch log group keeps its logs. Stored logs cost
   * 0.0315 USD per GB-month and ingestion 0.5985 USD per GB.
   */
  readonly logRetentionDays: number;
  /**
   * Image, compute type and mode of the build container. CodeBuild bills per build minute (the
   * price table has no sourced eu-west-2 price for it yet).
   * @default Amazon Linux 2023 standard 3.0 on ARM, SMALL compute, unprivileged
   */
  readonly environment?: codebuild.BuildEnvironment;
  /**
   * Build cache.
   * @default no cache
   */
  readonly cache?: codebuild.Cache;
  /**
   * Environment variables set in every build of the step.
   * @default none
   */
  readonly environmentVariables?: Record<string, codebuild.BuildEnvironmentVariable>;
}

/**
 * One CodeBuild project of the pipeline with its role written out in full (the CDK's defaults add
 * report groups and broad bucket grants it does not need): its own log group, the pipeline's
 * artifacts, and the statements given. Creates `<id>Logs`, `<id>Role`, `<id>RoleRef` and `<id>`
 * directly in `scope` (the `ReleasePipeline`; see there why).
 */
export class StepProject {
  public readonly project: codebuild.PipelineProject;
  public readonly role: iam.Role;

  constructor(scope: IConstruct, id: string, props: StepProjectProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: `${props.name} ${id.toLowerCase()} step`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        resources: [props.artifacts.objectsArn],
      }),
    );
    for (const statement of props.statements) this.role.addToPolicy(statement);
    acknowledgeFindings(
      this.role,
      'AwsSolutions::AwsSolutions-IAM5',
      [props.artifacts.objectsFinding],
      "Pipeline steps read and write the objects of this pipeline's own artifacts bucket; object keys are generated per execution",
    );
    this.project = new codebuild.PipelineProject(scope, id, {
      projectName: `${props.name}-${id.toLowerCase()}`,
      buildSpec: codebuild.BuildSpec.fromObject(props.spec),
      environment: props.environment ?? {
        buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
        computeType: codebuild.ComputeType.SMALL,
      },
      cache: props.cache,
      environmentVariables: props.environmentVariables,
      logging: { cloudWatch: { logGroup } },
      timeout: Duration.minutes(30),
      encryptionKey: props.artifacts.encryptionKey,
      // An immutable reference, so that the CDK adds none of its default grants to the role.
      role: iam.Role.fromRoleArn(scope, `${id}RoleRef`, this.role.roleArn, { mutable: false }),
    });
  }
}
