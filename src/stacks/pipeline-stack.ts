import { CfnOutput } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { imageRepositoryName } from '../config';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { githubConnectionParameter, releaseImageParameter } from '../modules/parameters/parameter-names';
import { ReleasePipeline } from '../modules/pipeline/release-pipeline';
import type { AppStack } from './app-stack';
import type { NetworkStack } from './network-stack';
import type { OpsStack } from './ops-stack';
import { PlatformStack, type PlatformStackProps } from './platform-stack';
import { STACK_OUTPUTS, environmentName, releaseTagPrefix } from '../ops/contracts';

export interface PipelineStackProps extends PlatformStackProps {
  /** The environment's configuration: branch, manual approval, architecture, log retention. */
  readonly config: EnvironmentConfig;
  /** Account-level configuration: app name and the GitHub repository. */
  readonly shared: SharedConfig;
  /** The network stack: the migrate task runs in its task subnets with the worker's group. */
  readonly network: NetworkStack;
  /** The app stack: the pipeline deploys its web and worker services and runs its migrate task. */
  readonly app: AppStack;
  /** The ops stack: release failures and waiting approvals go to its alert topic. */
  readonly ops: OpsStack;
}

/** The environment's release pipeline. Stateless; absent in the `minimal` state (nothing to deploy to). */
export class PipelineStack extends PlatformStack {
  public readonly release: ReleasePipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config, shared, app } = props;
    if (!app.web || !app.worker || !app.migrate)
      throw new Error('the pipeline needs the web and worker services and the migrate task');
    const networking = props.network.networking;
    const name = environmentName(shared.appName, config.name);
    const web = app.web.task.taskDefinition;
    const worker = app.worker.task.taskDefinition;

    this.release = new ReleasePipeline(this, 'Pipeline', {
      name,
      connectionArn: ssm.StringParameter.valueForStringParameter(this, githubConnectionParameter(shared.appName)),
      owner: shared.source.owner,
      repository: shared.source.repository,
      branch: config.pipeline.branch,
      manualApproval: config.pipeline.manualApproval,
      imageRepositoryName: imageRepositoryName(shared),
      imageRepositoryAccount: shared.account,
      releaseTagPrefix: releaseTagPrefix(config.name),
      promoteFrom: config.pipeline.promoteFrom && releaseTagPrefix(config.pipeline.promoteFrom),
      scanGate: config.pipeline.scanGate,
      architecture: config.compute.architecture,
      web: app.web.service,
      worker: app.worker.service,
      passableRoles: {
        task: [web.taskRole, worker.taskRole],
        execution: [web.obtainExecutionRole(), worker.obtainExecutionRole()],
      },
      migrate: {
        family: app.migrate.task.taskDefinition.family,
        // The literal name (the cluster is named after the environment) keeps the IAM scope readable.
        clusterName: name,
        subnetIds: networking.vpc.selectSubnets(networking.taskSubnets).subnetIds,
        securityGroupId: networking.workerSecurityGroup.securityGroupId,
        assignPublicIp: networking.assignPublicIp,
        roles: [worker.taskRole, worker.obtainExecutionRole()],
      },
      releaseParameterName: releaseImageParameter(shared.appName, config.name),
      alertTopic: props.ops.alerts.topic,
      logRetentionDays: config.logRetentionDays,
    });
    new CfnOutput(this, STACK_OUTPUTS.pipeline.pipelineName, { value: this.release.pipeline.pipelineName });
  }
}
