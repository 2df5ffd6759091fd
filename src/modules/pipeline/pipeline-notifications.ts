import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import type * as sns from 'aws-cdk-lib/aws-sns';

/**
 * Tells the ops topic when a release fails (the whole execution or one action, the migration
 * gate included) and when an approval is waiting. Creates the notification rule `Failures` under
 * the pipeline.
 */
export function notifyReleaseFailures(pipeline: codepipeline.Pipeline, topic: sns.ITopic): void {
  pipeline.notifyOn('Failures', topic, {
    events: [
      codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
      codepipeline.PipelineNotificationEvents.ACTION_EXECUTION_FAILED,
      codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
    ],
  });
}
