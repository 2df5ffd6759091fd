import { Tags } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface ReleaseParameterProps {
  /** e.g. `/booking/dev/release/image`. */
  readonly parameterName: string;
  /** The image the first deploy runs: `<repository uri>:<compute.imageTag>`. */
  readonly initialImage: string;
}

/**
 * The image an environment runs, as an SSM parameter: the pipeline writes each release's
 * `<repository>@sha256:<digest>` here, and the app stack reads it at deploy time, so a later
 * `cdk deploy` keeps the released image instead of going back to the tag in config.
 * CloudFormation sets the value only when the stack creates it or `compute.imageTag` changes.
 */
export class ReleaseParameter extends Construct {
  public readonly parameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: ReleaseParameterProps) {
    super(scope, id);
    Tags.of(this).add('module', 'release');
    this.parameter = new ssm.StringParameter(this, 'Image', {
      parameterName: props.parameterName,
      stringValue: props.initialImage,
      description: 'Image the services run; written by the pipeline on each release',
    });
  }
}
