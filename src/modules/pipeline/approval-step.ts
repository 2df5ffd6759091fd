import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';

export interface ApprovalStepProps {
  /** The pipeline's name, e.g. `booking-prod` (in the approval request). */
  readonly name: string;
  /** The topic told that an approval is waiting. */
  readonly notificationTopic: sns.ITopic;
}

/**
 * Approve (prod): a person approves each release, image digest in view, before the database is
 * migrated. Unanswered approvals expire after 7 days and fail the execution.
 */
export class ApprovalStep {
  public readonly stage: codepipeline.StageProps;

  constructor(props: ApprovalStepProps) {
    this.stage = {
      stageName: 'Approve',
      actions: [
        new actions.ManualApprovalAction({
          actionName: 'ApproveRelease',
          notificationTopic: props.notificationTopic,
          additionalInformation: `Approve to migrate ${props.name}'s database and deploy #{Build.IMAGE}`,
        }),
      ],
    };
  }
}
