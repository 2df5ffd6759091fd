import { Stack } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { ArtifactStore } from './artifact-store';
import { sharedImageRepository } from '../images/shared-repository';
import { recordSpec } from './buildspecs';
import { StepProject } from './step-project';

export interface RecordStepProps {
  /** The pipeline's name, e.g. `booking-dev`: the project is `<name>-record`. */
  readonly name: string;
  /** SSM parameter the released image is written to, e.g. `/booking/dev/release/image`. */
  readonly releaseParameterName: string;
  /** The image repository (its name and account) the released image is tagged in. */
  readonly imageRepository: { readonly name: string; readonly account: string };
  /** The tag prefix of this environment's releases (`release-<env>-`), which the repository keeps. */
  readonly releaseTagPrefix: string;
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
 * Record: once web and worker both run the new image, tags it `release-<env>-<UTC time>` (the
 * repository's lifecycle keeps each environment's newest releases, so the running image and the
 * rollback window never expire) and writes it to the release parameter, so that the next
 * `cdk deploy` keeps it instead of rolling the services back. Its role may read and tag images of
 * that one repository and write that one parameter.
 */
export class RecordStep {
  public readonly project: codebuild.PipelineProject;
  public readonly role: iam.Role;
  public readonly stage: codepipeline.StageProps;

  constructor(scope: IConstruct, props: RecordStepProps) {
    const stack = Stack.of(scope);
    const { repository } = sharedImageRepository(
      scope,
      'ReleaseRepository',
      props.imageRepository.name,
      props.imageRepository.account,
    );
    const step = new StepProject(scope, 'Record', {
      name: props.name,
      spec: recordSpec(),
      statements: [
        new iam.PolicyStatement({
          sid: 'TagTheRelease',
          actions: ['ecr:BatchGetImage', 'ecr:PutImage'],
          resources: [repository.repositoryArn],
        }),
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter'],
          resources: [
            `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${props.releaseParameterName}`,
          ],
        }),
      ],
      artifacts: props.artifacts,
      logRetentionDays: props.logRetentionDays,
      environmentVariables: {
        RELEASE_PARAMETER: { value: props.releaseParameterName },
        REPOSITORY_NAME: { value: props.imageRepository.name },
        REGISTRY_ID: { value: props.imageRepository.account },
        RELEASE_TAG_PREFIX: { value: props.releaseTagPrefix },
      },
    });
    this.project = step.project;
    this.role = step.role;
    this.stage = {
      stageName: 'Record',
      actions: [
        new actions.CodeBuildAction({
          actionName: 'RecordRelease',
          project: this.project,
          input: props.source,
          environmentVariables: props.imageVariable,
        }),
      ],
    };
  }
}
