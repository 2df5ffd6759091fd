import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { imageRepositoryName } from '../config';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { Alerts } from '../modules/alerts/alerts';
import { MonthlyBudget } from '../modules/budget/budget';
import { releaseImageParameter, repositoryUri } from '../modules/parameters/parameter-names';
import { ReleaseParameter } from '../modules/release/release-parameter';
import { StateTable } from '../modules/state-table/state-table';
import { STACK_OUTPUTS, environmentName, stateTableName } from '../ops/contracts';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface OpsStackProps extends PlatformStackProps {
  /** The environment's configuration: alert e-mails, image tag, deletion protection. */
  readonly config: EnvironmentConfig;
  /** Account-level configuration: app name, account and region of the image repository. */
  readonly shared: SharedConfig;
}

/**
 * Operations: the ops alert topic, the monthly budget, the state table (state record, lock and
 * journal) and the release parameter (the image the services run). Deployed before the app stack, which reads the release parameter.
 */
export class OpsStack extends PlatformStack {
  public readonly alerts: Alerts;
  public readonly release: ReleaseParameter;
  public readonly stateTable: StateTable;

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    // Protected environments: the state table (record, lock, journal) is data, and the guard and
    // the deploys read it.
    super(scope, id, { ...props, terminationProtection: props.config.deletionProtection });
    const name = environmentName(props.shared.appName, props.config.name);
    this.alerts = new Alerts(this, 'Alerts', { topicName: `${name}-ops`, emails: props.config.alertEmails });
    new MonthlyBudget(this, 'Budget', {
      budgetName: `${name}-monthly`,
      limitUsd: props.config.budget.monthlyLimitUsd,
      environmentName: props.config.name,
      topic: this.alerts.topic,
    });
    this.release = new ReleaseParameter(this, 'Release', {
      parameterName: releaseImageParameter(props.shared.appName, props.config.name),
      initialImage: `${repositoryUri(props.shared.account, props.shared.region, imageRepositoryName(props.shared))}:${props.config.compute.imageTag}`,
    });
    this.stateTable = new StateTable(this, 'StateTable', {
      tableName: stateTableName(props.shared.appName, props.config.name),
      protect: props.config.deletionProtection,
    });
    new CfnOutput(this, STACK_OUTPUTS.ops.stateTableName, {
      value: this.stateTable.table.tableName,
      description: 'State record, transition lock and journal of pause/resume/minimal',
    });
    new CfnOutput(this, STACK_OUTPUTS.ops.opsTopicArn, {
      value: this.alerts.topic.topicArn,
      description: 'Alarms, budget and pipeline alerts',
    });
  }
}
