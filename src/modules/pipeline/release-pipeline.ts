import { Tags } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { CpuArchitecture, ScanGate } from '../../config/types';
import { ApprovalStep } from './approval-step';
import { ArtifactStore } from './artifact-store';
import { BuildStep } from './build-step';
import { DeployStep, type PassableRoles } from './deploy-step';
import { type MigrateTaskTarget, MigrateStep } from './migrate-step';
import { notifyReleaseFailures } from './pipeline-notifications';
import { RecordStep } from './record-step';
import { SourceStep } from './source-step';

export interface ReleasePipelineProps {
  /** The pipeline's name, which also prefixes its CodeBuild projects, e.g. `booking-dev`. */
  readonly name: string;
  /** ARN of the account's GitHub connection (see `GitHubConnection`). */
  readonly connectionArn: string;
  /** GitHub user or organisation that owns the repository, e.g. `lichnails`. */
  readonly owner: string;
  /** Repository to release, e.g. `booking-backend`. */
  readonly repository: string;
  /** Branch whose pushes start a release, e.g. `main`. */
  readonly branch: string;
  /** Wait for a person to approve each release before migrating (prod). */
  readonly manualApproval: boolean;
  /** The image repository (shared by environments). */
  readonly imageRepositoryName: string;
  /** The image repository's account (`shared.account`). */
  readonly imageRepositoryAccount: string;
  /** The tag prefix this environment's released images get (`release-<env>-`). */
  readonly releaseTagPrefix: string;
  /** Promote existing images only if released by this tag prefix's environment. @default any */
  readonly promoteFrom?: string;
  /** Stop the release on scan findings of this severity or worse. */
  readonly scanGate: ScanGate;
  /** Build images for the tasks' architecture. */
  readonly architecture: CpuArchitecture;
  /** The web service the deploy step updates. */
  readonly web: ecs.IBaseService;
  /** The worker service the deploy step updates. */
  readonly worker: ecs.IBaseService;
  /** The four roles the services run with (web and worker, task and execution): nothing else is passed. */
  readonly passableRoles: PassableRoles;
  /** The migrate task: family, cluster and the network it runs in. */
  readonly migrate: MigrateTaskTarget;
  /** SSM parameter the record step writes the released image to. */
  readonly releaseParameterName: string;
  /** The ops topic: failed releases and waiting approvals are sent here. */
  readonly alertTopic: sns.ITopic;
  /**
   * Days the CodeBuild steps' log groups keep their logs. Stored logs cost 0.0315 USD per
   * GB-month and ingestion 0.5985 USD per GB.
   */
  readonly logRetentionDays: number;
}

/**
 * The seed's CodePipeline module: GitHub (CodeStar connection) -> build the image once per
 * commit (pinned by digest) -> [prod: manual approval] -> migrate on the new image, stopping the
 * release if it fails -> deploy web and worker in parallel from the same digest -> record the
 * release. Failures notify the ops topic.
 *
 * Each step lives in its own file (`*-step.ts`) but is not a construct of its own: the steps
 * create their resources directly in this construct, with the ids they had when this was one
 * constructor. A new level in the construct path would change every logical ID, and
 * CloudFormation cannot replace the named CodeBuild projects in place.
 */
export class ReleasePipeline extends Construct {
  public readonly pipeline: codepipeline.Pipeline;
  public readonly deployRole: iam.Role;
  public readonly buildProject: codebuild.PipelineProject;
  public readonly migrateProject: codebuild.PipelineProject;

  constructor(scope: Construct, id: string, props: ReleasePipelineProps) {
    super(scope, id);
    Tags.of(this).add('module', 'pipeline');
    const { name, logRetentionDays } = props;
    const artifacts = new ArtifactStore(this);

    // Resources are created in the order the single constructor created them, which keeps the
    // template byte-identical; the order of the stages is set by `stages` below.
    const source = new SourceStep({
      connectionArn: props.connectionArn,
      owner: props.owner,
      repository: props.repository,
      branch: props.branch,
    });
    const build = new BuildStep(this, {
      name,
      imageRepositoryName: props.imageRepositoryName,
      imageRepositoryAccount: props.imageRepositoryAccount,
      promoteFrom: props.promoteFrom,
      scanGate: props.scanGate,
      architecture: props.architecture,
      source: source.output,
      artifacts,
      logRetentionDays,
    });
    const onNewImage = { source: source.output, imageVariable: build.imageVariable, artifacts, logRetentionDays };
    const migrate = new MigrateStep(this, { name, migrate: props.migrate, ...onNewImage });
    const record = new RecordStep(this, {
      name,
      releaseParameterName: props.releaseParameterName,
      imageRepository: { name: props.imageRepositoryName, account: props.imageRepositoryAccount },
      releaseTagPrefix: props.releaseTagPrefix,
      ...onNewImage,
    });
    // The pipeline's own role, written out so that the deploy role can trust exactly it.
    const pipelineRole = new iam.Role(this, 'PipelineRole', {
      assumedBy: new iam.ServicePrincipal('codepipeline.amazonaws.com'),
    });
    const deploy = new DeployStep(this, {
      name,
      web: props.web,
      worker: props.worker,
      passableRoles: props.passableRoles,
      pipelineRole,
      imageDefinitions: build.imageDefinitions,
      artifacts,
    });
    const approval = props.manualApproval ? new ApprovalStep({ name, notificationTopic: props.alertTopic }) : undefined;

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: name,
      pipelineType: codepipeline.PipelineType.V2,
      executionMode: codepipeline.ExecutionMode.QUEUED,
      artifactBucket: artifacts.bucket,
      role: pipelineRole,
      restartExecutionOnUpdate: false,
      stages: [
        source.stage,
        build.stage,
        ...(approval ? [approval.stage] : []),
        migrate.stage,
        deploy.stage,
        record.stage,
      ],
    });
    artifacts.acknowledgePipelineGrants([pipelineRole, this.pipeline]);
    notifyReleaseFailures(this.pipeline, props.alertTopic);

    this.deployRole = deploy.role;
    this.buildProject = build.project;
    this.migrateProject = migrate.project;
  }
}
