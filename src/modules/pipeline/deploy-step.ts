import { Duration } from 'aws-cdk-lib';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { acknowledgeFindings } from '../../quality/acknowledge';
import type { ArtifactStore } from './artifact-store';

/** The roles the services run with: the deploy role may pass these and nothing else. */
export interface PassableRoles {
  /** The web and worker task roles. */
  readonly task: readonly iam.IRole[];
  /** The web and worker execution roles. */
  readonly execution: readonly iam.IRole[];
}

export interface DeployStepProps {
  /** The pipeline's name, e.g. `booking-dev` (in the deploy role's description). */
  readonly name: string;
  /** The web service, deployed from `imagedefinitions-web.json`. */
  readonly web: ecs.IBaseService;
  /** The worker service, deployed from `imagedefinitions-worker.json`. */
  readonly worker: ecs.IBaseService;
  /** The four roles the services run with (web and worker, task and execution): nothing else is passed. */
  readonly passableRoles: PassableRoles;
  /** The pipeline's role, the only principal that may assume the deploy role. */
  readonly pipelineRole: iam.IRole;
  /** The image definitions the build step wrote (see `BuildStep.imageDefinitions`). */
  readonly imageDefinitions: codepipeline.Artifact;
  /** The pipeline's artifacts bucket, which holds the image definitions. */
  readonly artifacts: ArtifactStore;
}

/**
 * Deploy: web and worker in parallel from the same digest, each waiting up to 30 minutes for its
 * rollout. The ECS actions run with a role written out in full, so that it can pass exactly the
 * services' four roles (the CDK's default would allow iam:PassRole on "*"). Creates `DeployRole`
 * and `DeployRoleRef` directly in `scope` (the `ReleasePipeline`; see there why).
 */
export class DeployStep {
  public readonly role: iam.Role;
  public readonly stage: codepipeline.StageProps;

  constructor(scope: IConstruct, props: DeployStepProps) {
    this.role = new iam.Role(scope, 'DeployRole', {
      assumedBy: new iam.ArnPrincipal(props.pipelineRole.roleArn),
      description: `${props.name}: deploys web and worker from the pipeline`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UpdateServices',
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [props.web.serviceArn, props.worker.serviceArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RegisterRevisions',
        // RegisterTaskDefinition, DescribeTaskDefinition, ListTasks and DescribeTasks offer no resource to scope to.
        actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition', 'ecs:ListTasks', 'ecs:DescribeTasks'],
        resources: ['*'],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PassServiceRoles',
        actions: ['iam:PassRole'],
        resources: [...props.passableRoles.task, ...props.passableRoles.execution].map((role) => role.roleArn),
        // Only to ECS, for the new task definition revisions.
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadImageDefinitions',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [props.artifacts.objectsArn],
      }),
    );
    acknowledgeFindings(
      this.role,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*', props.artifacts.objectsFinding],
      "RegisterTaskDefinition, DescribeTaskDefinition, ListTasks and DescribeTasks offer no resource-level permissions; the image definitions are objects of this pipeline's artifacts bucket",
    );
    // An immutable reference, so that the CDK adds none of its default grants to the role.
    const roleRef = iam.Role.fromRoleArn(scope, 'DeployRoleRef', this.role.roleArn, { mutable: false });

    const deploy = (actionName: string, service: ecs.IBaseService, fileName: string) =>
      new actions.EcsDeployAction({
        actionName,
        service,
        imageFile: props.imageDefinitions.atPath(fileName),
        role: roleRef,
        runOrder: 1,
        deploymentTimeout: Duration.minutes(30),
      });
    this.stage = {
      stageName: 'Deploy',
      actions: [
        deploy('DeployWeb', props.web, 'imagedefinitions-web.json'),
        deploy('DeployWorker', props.worker, 'imagedefinitions-worker.json'),
      ],
    };
  }
}
