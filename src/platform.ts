import { App, CrossStackReferences, ReferenceStrength, Validations } from 'aws-cdk-lib';
import { BUNDLING_STACKS, CURRENTLY_RECOMMENDED_FLAGS, PATH_METADATA_ENABLE_CONTEXT } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PlatformConfig } from './config/types';
import { EnvironmentStage } from './stacks/environment-stage';
import { SharedStage } from './stacks/shared-stage';

export interface PlatformAppOptions {
  /** Where `app.synth()` writes the cloud assembly. @default a temporary directory */
  readonly outdir?: string;
  /**
   * Run cdk-nag and the CloudFormation validator on synth.
   * @default true; the cost estimator turns them off for its own synths, which only read templates
   */
  readonly qualityGates?: boolean;
  /** Environments whose services this deploy creates at zero tasks (see BuildAppOptions). */
  readonly firstDeploy?: readonly string[];
  /** Leave Lambda code unbundled. @default false, and true whenever the quality gates are off */
  readonly skipBundling?: boolean;
}

/** The built app, its account-level stage and its environments' stages. */
export interface BuiltApp {
  readonly app: App;
  readonly shared: SharedStage;
  readonly stages: readonly EnvironmentStage[];
}

/**
 * Builds the CDK app for an already validated configuration. `buildApp()` is the entry point;
 * this is its construction step, shared with the cost estimator.
 */
export function createPlatformApp(config: PlatformConfig, options: PlatformAppOptions = {}): BuiltApp {
  const gates = options.qualityGates ?? true;
  const app = new App({
    outdir: options.outdir,
    // The feature flags the pinned aws-cdk-lib recommends, applied here rather than in cdk.json
    // so that in-process synth (tests, cost) and `cdk synth` produce the same templates.
    // Path metadata (which `cdk synth` turns on too) lets the cost estimator name each
    // resource's module.
    context: {
      ...CURRENTLY_RECOMMENDED_FLAGS,
      [PATH_METADATA_ENABLE_CONTEXT]: true,
      // The estimator's synths and most tests only read templates: skip bundling Lambda code.
      ...(gates && !options.skipBundling ? {} : { [BUNDLING_STACKS]: [] }),
    },
    builtinCloudFormationValidation: gates,
  });
  // Cross-stack references use Fn::GetStackOutput (weak) instead of Export/Import: an export
  // that a consumer imports can be neither changed nor deleted, so removing or replacing a
  // resource another stack uses (the ALB when going minimal, a security group) would deadlock.
  // Stacks still deploy in dependency order; a consumer picks up a new value on its next deploy.
  CrossStackReferences.of(app).consume(ReferenceStrength.WEAK);
  // cdk-nag's AWS Solutions rules; with the CloudFormation validator bundled with aws-cdk-lib
  // (on by default) any unacknowledged finding stops the synth (see quality/synthesize.ts).
  if (gates) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const shared = new SharedStage(app, { shared: config.shared, environments: config.environments });
  const stages = config.environments.map(
    (env) =>
      new EnvironmentStage(app, {
        config: env,
        shared: config.shared,
        firstDeploy: options.firstDeploy?.includes(env.name) ?? false,
      }),
  );
  return { app, shared, stages };
}
