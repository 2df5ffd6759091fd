import { type CfnElement, Duration, Fn, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { CpuArchitecture } from '../../config/types';
import { acknowledge, acknowledgeFindings } from '../../quality/acknowledge';
import { buildSpec, migrateSpec, recordSpec } from './buildspecs';

export interface ReleasePipelineProps {
  /** e.g. `booking-dev`. */
  readonly name: string;
  readonly connectionArn: string;
  readonly owner: string;
  readonly repository: string;
  readonly branch: string;
  readonly manualApproval: boolean;
  /** The image repository (shared by environments). */
  readonly imageRepositoryName: string;
  /** Build images for the tasks' architecture. */
  readonly architecture: CpuArchitecture;
  readonly web: ecs.IBaseService;
  readonly worker: ecs.IBaseService;
  /** The four roles the services run with (web and worker, task and execution): nothing else is passed. */
  readonly passableRoles: { readonly task: readonly iam.IRole[]; readonly execution: readonly iam.IRole[] };
  /** The migrate task: family, cluster and the network it runs in. */
  readonly migrate: {
    readonly family: string;
    readonly clusterName: string;
    readonly subnetIds: readonly string[];
    readonly securityGroupId: string;
    readonly assignPublicIp: boolean;
    /** The roles the migrate task runs with (the worker's). */
    readonly roles: readonly iam.IRole[];
  };
  /** SSM parameter the record step writes the released image to. */
  readonly releaseParameterName: string;
  readonly alertTopic: sns.ITopic;
  readonly logRetentionDays: number;
}

/**
 * The seed's CodePipeline module: GitHub (CodeStar connection) -> build the image once per
 * commit (pinned by digest) -> [prod: manual approval] -> migrate on the new image, stopping the
 * release if it fails -> deploy web and worker in parallel from the same digest -> record the
 * release. Failures notify the ops topic.
 */
export class ReleasePipeline extends Construct {
  public readonly pipeline: codepipeline.Pipeline;
  public readonly deployRole: iam.Role;
  public readonly buildProject: codebuild.PipelineProject;
  public readonly migrateProject: codebuild.PipelineProject;

  constructor(scope: Construct, id: string, props: ReleasePipelineProps) {
    super(scope, id);
    Tags.of(this).add('module', 'pipeline');
    const stack = Stack.of(this);

    const artifacts = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(30) }],
      // Emptied by its lifecycle rule; kept on stack deletion rather than failing on leftovers.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      artifacts,
      'AwsSolutions::AwsSolutions-S1',
      'Pipeline artifacts are two small image-definition files per release that expire after 30 days; CloudTrail already records who read or wrote them',
    );

    const repository = ecr.Repository.fromRepositoryName(this, 'Repository', props.imageRepositoryName);
    const artifactObjects = artifacts.arnForObjects('*');
    const artifactObjectsFinding = `Resource::<${stack.getLogicalId(artifacts.node.defaultChild as CfnElement)}.Arn>/*`;
    const awsManagedS3Key = kms.Alias.fromAliasName(this, 'S3Key', 'alias/aws/s3');

    /**
     * A CodeBuild project with a role written out in full (the CDK's defaults add report groups
     * and broad bucket grants it does not need): its own log group, the pipeline's artifacts, and
     * the statements given.
     */
    const project = (
      projectId: string,
      spec: Record<string, unknown>,
      statements: iam.PolicyStatement[],
      options: Partial<codebuild.PipelineProjectProps> = {},
    ) => {
      const logGroup = new logs.LogGroup(this, `${projectId}Logs`, {
        retention: props.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const role = new iam.Role(this, `${projectId}Role`, {
        assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
        description: `${props.name} ${projectId.toLowerCase()} step`,
      });
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
          resources: [artifactObjects],
        }),
      );
      for (const statement of statements) role.addToPolicy(statement);
      acknowledgeFindings(
        role,
        'AwsSolutions::AwsSolutions-IAM5',
        [artifactObjectsFinding],
        "Pipeline steps read and write the objects of this pipeline's own artifacts bucket; object keys are generated per execution",
      );
      return {
        role,
        project: new codebuild.PipelineProject(this, projectId, {
          projectName: `${props.name}-${projectId.toLowerCase()}`,
          buildSpec: codebuild.BuildSpec.fromObject(spec),
          environment: {
            buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
            computeType: codebuild.ComputeType.SMALL,
          },
          logging: { cloudWatch: { logGroup } },
          timeout: Duration.minutes(30),
          encryptionKey: awsManagedS3Key,
          role: iam.Role.fromRoleArn(this, `${projectId}RoleRef`, role.roleArn, { mutable: false }),
          ...options,
        }),
      };
    };

    const builder = project(
      'Build',
      buildSpec(),
      [
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
          ],
          resources: [repository.repositoryArn],
        }),
      ],
      {
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
          REPOSITORY_URI: { value: repository.repositoryUri },
          REGISTRY: { value: `${stack.account}.dkr.ecr.${stack.region}.amazonaws.com` },
        },
      },
    );
    this.buildProject = builder.project;
    acknowledgeFindings(
      builder.role,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*'],
      'ecr:GetAuthorizationToken offers no resource-level permissions',
    );

    const taskDefinitionRevisions = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task-definition/${props.migrate.family}:*`;
    const clusterTasks = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task/${props.migrate.clusterName}/*`;
    const migrate = project(
      'Migrate',
      migrateSpec(),
      [
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
          resources: props.migrate.roles.map((role) => role.roleArn),
        }),
      ],
      {
        environmentVariables: {
          MIGRATE_FAMILY: { value: props.migrate.family },
          CLUSTER: { value: props.migrate.clusterName },
          SUBNETS: { value: Fn.join(',', [...props.migrate.subnetIds]) },
          SECURITY_GROUP: { value: props.migrate.securityGroupId },
          ASSIGN_PUBLIC_IP: { value: props.migrate.assignPublicIp ? 'ENABLED' : 'DISABLED' },
        },
      },
    );
    this.migrateProject = migrate.project;
    acknowledgeFindings(
      migrate.role,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*', `Resource::${taskDefinitionRevisions}`, `Resource::${clusterTasks}`],
      'Registering and describing task definitions offer no resource scope; running is limited to the migrate family (any revision, since each release registers one) and watching to tasks of this cluster',
    );

    const record = project(
      'Record',
      recordSpec(),
      [
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter'],
          resources: [
            `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${props.releaseParameterName}`,
          ],
        }),
      ],
      { environmentVariables: { RELEASE_PARAMETER: { value: props.releaseParameterName } } },
    );
    const recordProject = record.project;

    // The ECS deploy actions run with this role, written out in full so that it can pass exactly
    // the services' four roles (the CDK's default would allow iam:PassRole on "*").
    const pipelineRole = new iam.Role(this, 'PipelineRole', {
      assumedBy: new iam.ServicePrincipal('codepipeline.amazonaws.com'),
    });
    this.deployRole = new iam.Role(this, 'DeployRole', {
      assumedBy: new iam.ArnPrincipal(pipelineRole.roleArn),
      description: `${props.name}: deploys web and worker from the pipeline`,
    });
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UpdateServices',
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [props.web.serviceArn, props.worker.serviceArn],
      }),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RegisterRevisions',
        // RegisterTaskDefinition, DescribeTaskDefinition, ListTasks and DescribeTasks offer no resource to scope to.
        actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition', 'ecs:ListTasks', 'ecs:DescribeTasks'],
        resources: ['*'],
      }),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PassServiceRoles',
        actions: ['iam:PassRole'],
        resources: [...props.passableRoles.task, ...props.passableRoles.execution].map((role) => role.roleArn),
      }),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadImageDefinitions',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [artifactObjects],
      }),
    );
    acknowledgeFindings(
      this.deployRole,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*', artifactObjectsFinding],
      "RegisterTaskDefinition, DescribeTaskDefinition, ListTasks and DescribeTasks offer no resource-level permissions; the image definitions are objects of this pipeline's artifacts bucket",
    );
    const deployRoleRef = iam.Role.fromRoleArn(this, 'DeployRoleRef', this.deployRole.roleArn, { mutable: false });

    const sourceOutput = new codepipeline.Artifact('Source');
    const buildOutput = new codepipeline.Artifact('ImageDefinitions');
    const build = new actions.CodeBuildAction({
      actionName: 'BuildImage',
      project: this.buildProject,
      input: sourceOutput,
      outputs: [buildOutput],
      variablesNamespace: 'Build',
    });
    const image = { IMAGE: { value: build.variable('IMAGE') } };

    const stages: codepipeline.StageProps[] = [
      {
        stageName: 'Source',
        actions: [
          new actions.CodeStarConnectionsSourceAction({
            actionName: 'GitHub',
            connectionArn: props.connectionArn,
            owner: props.owner,
            repo: props.repository,
            branch: props.branch,
            output: sourceOutput,
            triggerOnPush: true,
          }),
        ],
      },
      { stageName: 'Build', actions: [build] },
    ];
    if (props.manualApproval) {
      stages.push({
        stageName: 'Approve',
        actions: [
          new actions.ManualApprovalAction({
            actionName: 'ApproveRelease',
            notificationTopic: props.alertTopic,
            additionalInformation: `Approve to migrate ${props.name}'s database and deploy #{Build.IMAGE}`,
          }),
        ],
      });
    }
    stages.push(
      {
        stageName: 'Migrate',
        actions: [
          new actions.CodeBuildAction({
            actionName: 'RunMigrations',
            project: this.migrateProject,
            input: sourceOutput,
            environmentVariables: image,
          }),
        ],
      },
      {
        stageName: 'Deploy',
        actions: [
          new actions.EcsDeployAction({
            actionName: 'DeployWeb',
            service: props.web,
            imageFile: buildOutput.atPath('imagedefinitions-web.json'),
            role: deployRoleRef,
            runOrder: 1,
            deploymentTimeout: Duration.minutes(30),
          }),
          new actions.EcsDeployAction({
            actionName: 'DeployWorker',
            service: props.worker,
            imageFile: buildOutput.atPath('imagedefinitions-worker.json'),
            role: deployRoleRef,
            runOrder: 1,
            deploymentTimeout: Duration.minutes(30),
          }),
        ],
      },
      {
        stageName: 'Record',
        actions: [
          new actions.CodeBuildAction({
            actionName: 'RecordRelease',
            project: recordProject,
            input: sourceOutput,
            environmentVariables: image,
          }),
        ],
      },
    );

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: props.name,
      pipelineType: codepipeline.PipelineType.V2,
      executionMode: codepipeline.ExecutionMode.QUEUED,
      artifactBucket: artifacts,
      role: pipelineRole,
      restartExecutionOnUpdate: false,
      stages,
    });
    // The CDK's own grants to the pipeline and its source action on the artifacts bucket.
    const cdkArtifactGrants = [
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      artifactObjectsFinding,
    ];
    for (const scope of [pipelineRole, this.pipeline]) {
      acknowledgeFindings(
        scope,
        'AwsSolutions::AwsSolutions-IAM5',
        cdkArtifactGrants,
        "CodePipeline's standard artifact grants (read, write, abort uploads, delete) on this pipeline's own artifacts bucket and its objects, nothing else",
      );
    }
    this.pipeline.notifyOn('Failures', props.alertTopic, {
      events: [
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.ACTION_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
      ],
    });
  }
}
