import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { Alerts } from '../modules/alerts/alerts';
import { MonthlyBudget } from '../modules/budget/budget';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface OpsStackProps extends PlatformStackProps {
  readonly config: EnvironmentConfig;
  readonly shared: SharedConfig;
  /** The monthly budget in USD; omitted while the estimate itself is being computed. */
  readonly budgetLimitUsd?: number;
}

/** Operations: the ops alert topic and the monthly budget. Stateless. */
export class OpsStack extends PlatformStack {
  public readonly alerts: Alerts;

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
    new CfnOutput(this, 'OpsTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'Alarms, budget and pipeline alerts',
    });
  }
}
