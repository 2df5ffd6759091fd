import { App, CrossStackReferences, ReferenceStrength, Validations } from 'aws-cdk-lib';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { validateConfig } from './config/validate';
import type { PlatformConfig } from './config/types';
import { EnvironmentStage } from './stacks/environment-stage';

export interface BuildAppOptions {
  /** Where `app.synth()` writes the cloud assembly. @default a temporary directory */
  readonly outdir?: string;
}

/** The built app and its environments' stages, for callers that synthesize or inspect it. */
export interface BuiltApp {
  readonly app: App;
  readonly stages: readonly EnvironmentStage[];
}

/**
 * Config in, CDK app out. Validates the whole configuration before any construct is built, so a
 * bad value fails with one line naming the field, the value and the fix. Pure: reads no
 * environment variables, files or network, so tests, the cost estimator and docs synthesize
 * in-process through it.
 */
export function buildApp(config: PlatformConfig, options: BuildAppOptions = {}): BuiltApp {
  validateConfig(config);
  const app = new App({
    outdir: options.outdir,
    // The feature flags the pinned aws-cdk-lib recommends, applied here rather than in cdk.json
    // so that in-process synth (tests, cost) and `cdk synth` produce the same templates.
    context: { ...CURRENTLY_RECOMMENDED_FLAGS },
  });
  // Cross-stack references use Fn::GetStackOutput (weak) instead of Export/Import: an export
  // that a consumer imports can be neither changed nor deleted, so removing or replacing a
  // resource another stack uses (the ALB when going minimal, a security group) would deadlock.
  // Stacks still deploy in dependency order; a consumer picks up a new value on its next deploy.
  CrossStackReferences.of(app).consume(ReferenceStrength.WEAK);
  // cdk-nag's AWS Solutions rules; with the CloudFormation validator bundled with aws-cdk-lib
  // (on by default) any unacknowledged finding stops app.synth().
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const stages = config.environments.map((env) => new EnvironmentStage(app, { config: env, shared: config.shared }));
  return { app, stages };
}
