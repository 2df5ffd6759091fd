import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export interface PlatformStackProps extends StackProps {
  /** The stack's AZs, from config. */
  readonly availabilityZones: readonly string[];
}

/**
 * Base of every stack here. A stack with a concrete account and region asks AWS for its AZs at
 * synth time (even when a VPC is given explicit AZs), which needs credentials and network; this
 * one answers from config instead, so synth stays offline and deterministic.
 */
export class PlatformStack extends Stack {
  private readonly configuredZones: string[];

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    this.configuredZones = [...props.availabilityZones];
  }

  override get availabilityZones(): string[] {
    return this.configuredZones;
  }
}
