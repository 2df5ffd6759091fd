import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { Alerts } from '../modules/alerts/alerts';
import { MonthlyBudget } from '../modules/budget/budget';
import { releaseImageParameter, repositoryUri } from '../modules/parameters/parameter-names';
import { ReleaseParameter } from '../modules/release/release-parameter';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface OpsStackProps extends PlatformStackProps {
  readonly config: EnvironmentConfig;
  readonly shared: SharedConfig;
  /** The monthly budget in USD; omitted while the estimate itself is being computed. */
  readonly budgetLimitUsd?: number;
}

/**
 * Operations: the ops alert topic, the monthly budget and the release parameter (the image the
 * services run). Deployed before the app stack, which reads the release parameter.
 */
export class OpsStack extends PlatformStack {
  public readonly alerts: Alerts;
  public readonly release: ReleaseParameter;

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    super(scope, id, props);
    const name = `${props.shared.appName}-${props.config.name}`;
    this.alerts = new Alerts(this, 'Alerts', { topicName: `${name}-ops`, emails: props.config.alertEmails });
    if (props.budgetLimitUsd !== undefined) {
      new MonthlyBudget(this, 'Budget', {
        budgetName: `${name}-monthly`,
        limitUsd: props.budgetLimitUsd,
        environmentName: props.config.name,
        topic: this.alerts.topic,
      });
    }
    this.release = new ReleaseParameter(this, 'Release', {
      parameterName: releaseImageParameter(props.shared.appName, props.config.name),
      initialImage: `${repositoryUri(props.shared.account, props.shared.region, props.shared.appName)}:${props.config.compute.imageTag}`,
    });
    new CfnOutput(this, 'OpsTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'Alarms, budget and pipeline alerts',
    });
  }
}
