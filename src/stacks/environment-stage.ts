import { Stage, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { environmentName, stackName, type StackPart } from '../ops/contracts';
import { AppStack } from './app-stack';
import { DataStack } from './data-stack';
import { EDGE_AVAILABILITY_ZONES, EDGE_REGION, EdgeStack } from './edge-stack';
import { NetworkStack } from './network-stack';
import { RecoveryStack } from './recovery-stack';
import { OpsStack } from './ops-stack';
import { PipelineStack } from './pipeline-stack';

export interface EnvironmentStageProps {
  /** The environment's configuration: everything its stacks build. */
  readonly config: EnvironmentConfig;
  /** Account-level configuration: app name, domain, source repository. */
  readonly shared: SharedConfig;
  /**
   * This deploy creates the services: they start at zero tasks.
   * @default false
   */
  readonly firstDeploy?: boolean;
}

/**
 * One environment: a CDK Stage named `<app>-<env>` whose stacks are named `<app>-<env>-<part>`.
 * Deploy it whole with `npx cdk deploy '<app>-<env>/*'`.
 *
 * Stateless stacks (network, app) are kept apart from the stateful one (data), which gets
 * termination protection where the environment protects its data. A us-east-1 edge stack
 * (CloudFront certificate, CLOUDFRONT-scope WAF) joins this stage with its own region.
 */
export class EnvironmentStage extends Stage {
  public readonly config: EnvironmentConfig;
  public readonly network: NetworkStack;
  public readonly data: DataStack;
  public readonly ops: OpsStack;
  public readonly app: AppStack;
  /** Absent in the `minimal` state: there is nothing to deploy to. */
  public readonly pipeline?: PipelineStack;
  /** The us-east-1 stack (the CDN's certificate), with `cdn.enabled`. */
  public readonly edge?: EdgeStack;
  /** The DR region's stack (copy vault, bucket replica), with `backup.copy`. */
  public readonly recovery?: RecoveryStack;

  constructor(scope: Construct, props: EnvironmentStageProps) {
    const { config, shared } = props;
    super(scope, environmentName(shared.appName, config.name), {
      env: { account: config.account, region: config.region },
    });
    this.config = config;
    Tags.of(this).add('app', shared.appName);
    Tags.of(this).add('environment', config.name);

    const stackProps = (part: StackPart) => ({
      stackName: stackName(shared.appName, config.name, part),
      description: `${shared.appName} ${config.name}: ${part}`,
      env: { account: config.account, region: config.region },
      availabilityZones: config.availabilityZones,
    });
    this.network = new NetworkStack(this, 'network', { ...stackProps('network'), config });
    this.ops = new OpsStack(this, 'ops', {
      ...stackProps('ops'),
      config,
      shared,
    });
    // CloudFront's certificate lives in us-east-1: a stack of this stage in that region.
    if (config.storage && config.cdn?.enabled) {
      this.edge = new EdgeStack(this, 'edge', {
        ...stackProps('edge'),
        env: { account: config.account, region: EDGE_REGION },
        availabilityZones: EDGE_AVAILABILITY_ZONES,
        config,
        shared,
      });
    }
    // AWS Backup copies into a vault of the DR region, and S3 replicates into a bucket there: both
    // must exist before the data stack's plan and bucket name them.
    if (config.backup?.enabled && config.backup.copy) {
      this.recovery = new RecoveryStack(this, 'recovery', {
        ...stackProps('recovery'),
        env: { account: config.account, region: config.backup.copy.region },
        availabilityZones: [`${config.backup.copy.region}a`, `${config.backup.copy.region}b`],
        config,
        shared,
      });
    }
    this.data = new DataStack(this, 'data', {
      cdnCertificate: this.edge?.certificate,
      cdnZone: this.edge?.zone,
      ...stackProps('data'),
      config,
      shared,
      networking: this.network.networking,
      alarmTopic: this.ops.alerts.topic,
      recovery: this.recovery,
    });
    if (this.recovery) this.data.addStackDependency(this.recovery);

    // Recorded in every template so tools reading cdk.out (the cost command) know the state.
    this.app = new AppStack(this, 'app', {
      ...stackProps('app'),
      config,
      shared,
      network: this.network,
      data: this.data,
      ops: this.ops,
      firstDeploy: props.firstDeploy ?? false,
    });

    if (config.state !== 'minimal') {
      this.pipeline = new PipelineStack(this, 'pipeline', {
        ...stackProps('pipeline'),
        config,
        shared,
        network: this.network,
        app: this.app,
        ops: this.ops,
      });
    }

    for (const stack of [
      this.network,
      this.ops,
      ...(this.edge ? [this.edge] : []),
      ...(this.recovery ? [this.recovery] : []),
      this.data,
      this.app,
      ...(this.pipeline ? [this.pipeline] : []),
    ]) {
      stack.templateOptions.metadata = { 'booking-infra': { environment: config.name, state: config.state } };
    }
  }
}
