import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';

export interface SourceStepProps {
  /** ARN of the account's GitHub connection (see `GitHubConnection`); it must be AVAILABLE. */
  readonly connectionArn: string;
  /** GitHub user or organisation that owns the repository, e.g. `lichnails`. */
  readonly owner: string;
  /** Repository name, e.g. `booking-backend`. */
  readonly repository: string;
  /** Branch whose pushes start a release, e.g. `main`. */
  readonly branch: string;
}

/** Source: every push to the branch starts a release of that commit. */
export class SourceStep {
  /** The commit's files, input of every later step. */
  public readonly output = new codepipeline.Artifact('Source');
  public readonly stage: codepipeline.StageProps;

  constructor(props: SourceStepProps) {
    this.stage = {
      stageName: 'Source',
      actions: [
        new actions.CodeStarConnectionsSourceAction({
          actionName: 'GitHub',
          connectionArn: props.connectionArn,
          owner: props.owner,
          repo: props.repository,
          branch: props.branch,
          output: this.output,
          triggerOnPush: true,
        }),
      ],
    };
  }
}
