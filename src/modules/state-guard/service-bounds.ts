import { CustomResource, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ServiceRole } from '../../ops/state-store';

export interface ServiceBoundsProps {
  /** The guard function (StateGuard.serviceToken), which resolves the bounds. */
  readonly serviceToken: string;
  /** Which service, `web`, `worker` or `cache` (`cache.hosting: 'task'`, 1..1): its entry in the state record. */
  readonly role: ServiceRole;
  /** The configured scaling floor (config minTasks), applied while the environment is recorded running. */
  readonly minTasks: number;
  /** The configured scaling ceiling (config maxTasks), applied while the environment is recorded running. */
  readonly maxTasks: number;
  /**
   * The deploy that creates the service: bounds 0..0 until `booking-infra resume`.
   * @default false
   */
  readonly firstDeploy?: boolean;
  /**
   * The service's scheduled minimums, as JSON, when it has any: a change of them updates the
   * scalable target (its scheduled actions), and CloudFormation registers it again with every
   * property, bounds and suspension included; naming them here makes the bounds resolve again
   * from the state record in the same deploy instead of reusing the last resolution.
   */
  readonly scheduledMinimums?: string;
}

/**
 * A service's scaling bounds for this deploy, resolved from the environment's state record
 * (Custom::ServiceBounds): the configured bounds while the environment is recorded running, 0..0
 * while it is paused, so a deploy never starts tasks behind a pause nor stops them behind a
 * resume. The configured bounds also become the capacities the next resume restores. It runs only
 * when the configured bounds change; other deploys leave the live bounds as they are.
 *
 * RegisterScalableTarget moves an active service's current capacity into the new range, so the
 * bounds alone settle the task count: a service CloudFormation creates with its default single
 * task while the environment is paused is brought to 0 when its scalable target registers 0..0.
 */
export class ServiceBounds extends Construct {
  /** The scalable target's MinCapacity (a deploy-time value). */
  public readonly minCapacity: number;
  public readonly maxCapacity: number;
  /** `true` while the bounds are 0..0 (paused, minimal, first deploy): scheduled scaling must not act. */
  public readonly scheduledScalingSuspended: string;

  constructor(scope: Construct, id: string, props: ServiceBoundsProps) {
    super(scope, id);
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: props.serviceToken,
      resourceType: 'Custom::ServiceBounds',
      properties: {
        Role: props.role,
        MinTasks: String(props.minTasks),
        MaxTasks: String(props.maxTasks),
        ...(props.firstDeploy ? { FirstDeploy: 'true' } : {}),
        ...(props.scheduledMinimums ? { ScheduledMinimums: props.scheduledMinimums } : {}),
      },
    });
    this.minCapacity = Token.asNumber(resource.getAtt('Min'));
    this.maxCapacity = Token.asNumber(resource.getAtt('Max'));
    this.scheduledScalingSuspended = resource.getAttString('ScheduledScalingSuspended');
  }
}
