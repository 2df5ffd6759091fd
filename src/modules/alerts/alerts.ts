import { Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertsProps {
  /** Topic name, also its display name, e.g. `booking-dev-ops`. */
  readonly topicName: string;
  /** Addresses that receive every alert (each confirms once by e-mail). */
  readonly emails: readonly string[];
}

/**
 * The ops SNS topic: alarms, budget alerts and pipeline failures of one environment go here.
 * HTTPS-only publishing is enforced; AWS Budgets may publish, from this account only. No
 * server-side encryption: alerts carry alarm names and amounts, nothing confidential, and AWS
 * Budgets cannot publish under the AWS-managed SNS key (a customer managed key costs 1 USD/month).
 */
export class Alerts extends Construct {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    Tags.of(this).add('module', 'alerts');
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: props.topicName,
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsToPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }
}
