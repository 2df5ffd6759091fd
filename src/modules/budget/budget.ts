import { Tags } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface MonthlyBudgetProps {
  /** Budget name, e.g. `booking-dev-monthly`. */
  readonly budgetName: string;
  /**
   * The monthly limit in USD: the estimate for the environment's state plus the configured margin.
   * Alerts go out at 80% of it actually spent and at 100% forecast.
   */
  readonly limitUsd: number;
  /** Only costs tagged `environment=<name>` count (activate the tag for cost allocation once). */
  readonly environmentName: string;
  /** The ops topic the alerts are sent to (its policy lets AWS Budgets publish). */
  readonly topic: sns.ITopic;
}

/** An AWS Budgets cost budget per environment, alerting the ops topic. */
export class MonthlyBudget extends Construct {
  public readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: MonthlyBudgetProps) {
    super(scope, id);
    Tags.of(this).add('module', 'budget');
    const alert = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: { notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers: [{ subscriptionType: 'SNS', address: props.topic.topicArn }],
    });
    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: props.budgetName,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.limitUsd, unit: 'USD' },
        costFilters: { TagKeyValue: [`user:environment$${props.environmentName}`] },
      },
      notificationsWithSubscribers: [alert('ACTUAL', 80), alert('FORECASTED', 100)],
    });
  }
}
