import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { CpuArchitecture, ScanGate } from '../../config/types';
import { acknowledgeFindings } from '../../quality/acknowledge';
import { sharedImageRepository } from '../images/shared-repository';
import type { ArtifactStore } from './artifact-store';
import { buildSpec } from './buildspecs';
import { StepProject } from './step-project';

export interface BuildStepProps {
  /** The pipeline's name, e.g. `booking-dev`: the project is `<name>-build`. */
  readonly name: string;
  /** The image repository the image is pushed to (shared by environments). */
  readonly imageRepositoryName: string;
  /** The repository's account (`shared.account`; another than the pipeline's for a cross-account environment). */
  readonly imageRepositoryAccount: string;
  /**
   * Promote an existing image only if this tag prefix's environment released it (`release-dev-`).
   * @default any existing image of the commit is promoted
   */
  readonly promoteFrom?: string;
  /** Stop the release on scan findings of this severity or worse (`pipeline.scanGate`). */
  readonly scanGate: ScanGate;
  /** Build the image natively for the tasks' architecture. */
  readonly architecture: CpuArchitecture;
  /** The commit to build (the source step's output). */
  readonly source: codepipeline.Artifact;
  /** The pipeline's artifacts bucket. */
  readonly artifacts: ArtifactStore;
  /** Days the build's log group keeps its logs. */
  readonly logRetentionDays: number;
}

/**
 * Build: one image per commit, pushed once to the shared repository and pinned by digest (see
 * `buildSpec`). Exports the digest as the variable `Build.IMAGE` and writes the image definitions
 * the deploy step reads. The Docker layer cache is kept on the build host between builds.
 */
export class BuildStep {
  public readonly project: codebuild.PipelineProject;
  public readonly role: iam.Role;
  /** `imagedefinitions-web.json` and `imagedefinitions-worker.json`, both naming the same digest. */
  public readonly imageDefinitions = new codepipeline.Artifact('ImageDefinitions');
  public readonly action: actions.CodeBuildAction;
  /** `IMAGE=<repository>@sha256:<digest>` for the steps that follow (migrate, record). */
  public readonly imageVariable: Record<string, codebuild.BuildEnvironmentVariable>;
  public readonly stage: codepipeline.StageProps;

  constructor(scope: IConstruct, props: BuildStepProps) {
    const { repository, uri, registry } = sharedImageRepository(
      scope,
      'Repository',
      props.imageRepositoryName,
      props.imageRepositoryAccount,
    );
    const step = new StepProject(scope, 'Build', {
      name: props.name,
      spec: buildSpec(),
      statements: [
        new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'PushToItsRepository',
          actions: [
            'ecr:BatchCheckLayerAvailability',
            'ecr:BatchGetImage',
            'ecr:GetDownloadUrlForLayer',
            'ecr:InitiateLayerUpload',
            'ecr:UploadLayerPart',
            'ecr:CompleteLayerUpload',
            'ecr:PutImage',
            'ecr:DescribeImages',
            'ecr:DescribeImageScanFindings',
          ],
          resources: [repository.repositoryArn],
        }),
      ],
      artifacts: props.artifacts,
      logRetentionDays: props.logRetentionDays,
      environment: {
        // The image is built natively for the tasks' architecture; Docker needs privileged mode.
        buildImage:
          props.architecture === 'arm64'
            ? codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0
            : codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
        computeType: codebuild.ComputeType.SMALL,
        privileged: true,
      },
      cache: codebuild.Cache.local(codebuild.LocalCacheMode.DOCKER_LAYER),
      environmentVariables: {
        REPOSITORY_NAME: { value: props.imageRepositoryName },
        REPOSITORY_URI: { value: uri },
        REGISTRY: { value: registry },
        REGISTRY_ID: { value: props.imageRepositoryAccount },
        PROMOTE_FROM: { value: props.promoteFrom ?? '' },
        SCAN_GATE: { value: props.scanGate },
      },
    });
    this.project = step.project;
    this.role = step.role;
    acknowledgeFindings(
      this.role,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*'],
      'ecr:GetAuthorizationToken offers no resource-level permissions',
    );

    this.action = new actions.CodeBuildAction({
      actionName: 'BuildImage',
      project: this.project,
      input: props.source,
      outputs: [this.imageDefinitions],
      variablesNamespace: 'Build',
    });
    this.imageVariable = { IMAGE: { value: this.action.variable('IMAGE') } };
    this.stage = { stageName: 'Build', actions: [this.action] };
  }
}
