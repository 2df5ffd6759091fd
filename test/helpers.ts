import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp } from '../src/app';
import { type EnvironmentConfig, environmentNamed, platformConfig, type PlatformConfig } from '../src/config';
import { synthesizeEntryPoint } from '../src/entry-point';
import { synthesize } from '../src/quality/synthesize';

/** A partial environment config, any depth, for test variations. */
export type EnvironmentPatch = { [K in keyof EnvironmentConfig]?: Patch<EnvironmentConfig[K]> };
type Patch<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: Patch<T[K]> } : T;

function merge<T>(base: T, patch: unknown): T {
  if (patch === undefined) return base;
  if (
    typeof base !== 'object' ||
    base === null ||
    Array.isArray(base) ||
    typeof patch !== 'object' ||
    patch === null ||
    Array.isArray(patch)
  ) {
    return patch as T;
  }
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) result[key] = merge(result[key], value);
  return result as T;
}

/** The committed config with one environment changed. */
export function withEnvironment(
  name: string,
  patch: EnvironmentPatch,
  config: PlatformConfig = platformConfig,
): PlatformConfig {
  if (!config.environments.some((env) => env.name === name)) throw new Error(`no environment ${name}`);
  return {
    ...config,
    environments: config.environments.map((env) => (env.name === name ? merge(env, patch) : env)),
  };
}

/**
 * `config` with one environment only (a faster synth for a variant): a promotion from an
 * environment left out is dropped, as the lone environment has nothing to promote from.
 */
export function onlyEnvironment(config: PlatformConfig, name: string): PlatformConfig {
  const env = config.environments.find((candidate) => candidate.name === name);
  if (!env) throw new Error(`no environment ${name}`);
  return { ...config, environments: [{ ...env, pipeline: { ...env.pipeline, promoteFrom: undefined } }] };
}

/** A synthesized platform, with its templates by environment and stack part. */
export class SynthesizedPlatform {
  constructor(
    public readonly assembly: CloudAssembly,
    private readonly appName: string,
  ) {}

  /** The raw template of `<app>-<env>-<part>` (`env` may be `shared`). */
  json(env: string, part: string): Record<string, any> {
    return this.artifact(env, part).template;
  }

  template(env: string, part: string): Template {
    return Template.fromJSON(this.json(env, part));
  }

  artifact(env: string, part: string) {
    const stackName = `${this.appName}-${env}-${part}`;
    const artifact = this.assembly.stacksRecursively.find((stack) => stack.stackName === stackName);
    if (!artifact) throw new Error(`no stack ${stackName}`);
    return artifact;
  }
}

/** Temporary folders made by this test file's synths, removed when its process exits. */
const temporary: string[] = [];
process.on('exit', () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder removed when the test file's process exits. */
export function temporaryDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** How bin/app.ts's synthesis ran on a machine with no AWS setup (offlineEntryPointRun). */
export interface EntryPointRun {
  /** CDK_OUTDIR: where the assembly went. */
  readonly outdir: string;
  /** The environment variables it was given. */
  readonly variables: Readonly<Record<string, string>>;
  /** What it printed as errors (config mistakes), one line each. */
  readonly errors: readonly string[];
  /** What it wrote to stderr besides errors (the CDK's bundling notices). */
  readonly stderr: string;
  /** The exit code it set (undefined: success). */
  readonly exitCode: number | string | undefined;
  readonly assembly?: CloudAssembly;
}

/** The AWS_* variables of a machine with no AWS setup: each points at nothing (the offline entry-point run, withAwsEnvironment). */
export const OFFLINE_AWS_VARIABLES: Readonly<Record<string, string>> = {
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: join(tmpdir(), 'booking-infra-no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'booking-infra-no-aws-credentials'),
};

let entryPointRun: EntryPointRun | undefined;

/**
 * The CDK entry point's synthesis (synthesizeEntryPoint, all bin/app.ts does) with this
 * process's environment minus every AWS_*, CDK_DEFAULT_* and BOOKING_* variable, the AWS config
 * files pointed at nothing and CDK_OUTDIR a temporary folder: the committed platform as
 * `npx cdk synth` builds it on a machine with no AWS account, Lambda code bundled. Once per
 * process: `npm test` runs the template tests in one process (scripts/run-tests.mjs), so the
 * committed platform is synthesized once for all of them.
 */
export function offlineEntryPointRun(): EntryPointRun {
  if (entryPointRun) return entryPointRun;
  const outdir = temporaryDirectory('booking-entry-point-');
  const variables: Record<string, string> = { ...OFFLINE_AWS_VARIABLES, CDK_OUTDIR: outdir };
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(AWS_|CDK_DEFAULT_|BOOKING_)/.test(name)) variables[name] ??= value;
  }
  const errors: string[] = [];
  const exitCodeBefore = process.exitCode;
  // The CDK announces each Lambda bundle on stderr ("Bundling asset ..."), as `npx cdk synth`
  // shows it: kept out of the test output, in the run's record instead.
  const stderr: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  let assembly: CloudAssembly | undefined;
  try {
    assembly = synthesizeEntryPoint(variables, (line) => errors.push(line));
  } finally {
    process.stderr.write = write;
  }
  const exitCode = process.exitCode;
  process.exitCode = exitCodeBefore;
  entryPointRun = { outdir, variables, errors, exitCode, assembly, stderr: stderr.join('') };
  return entryPointRun;
}

/**
 * Synthesizes through buildApp with the quality gates on, into a temporary folder. Lambda code is
 * not bundled unless `bundle` is set: the templates and the gates do not depend on it. The
 * committed platform is the CDK entry point's offline run (offlineEntryPointRun), made once per
 * process.
 */
export function synth(
  config: PlatformConfig = platformConfig,
  options: { firstDeploy?: readonly string[]; bundle?: boolean } = {},
): SynthesizedPlatform {
  if (config === platformConfig && !options.firstDeploy) {
    const run = offlineEntryPointRun();
    if (!run.assembly) throw new Error(`the committed platform does not synthesize: ${run.errors.join('; ')}`);
    return new SynthesizedPlatform(run.assembly, config.shared.appName);
  }
  const outdir = temporaryDirectory('booking-synth-');
  const { app } = buildApp(config, { outdir, firstDeploy: options.firstDeploy, skipBundling: !options.bundle });
  return new SynthesizedPlatform(synthesize(app), config.shared.appName);
}

/** Every IAM statement of a raw template, with the logical id of the policy or role holding it. */
export function iamStatements(template: Record<string, any>): Array<{ owner: string; statement: any }> {
  const found: Array<{ owner: string; statement: any }> = [];
  for (const [logicalId, resource] of Object.entries(template.Resources as Record<string, any>)) {
    const documents =
      resource.Type === 'AWS::IAM::Policy'
        ? [resource.Properties.PolicyDocument]
        : resource.Type === 'AWS::IAM::Role'
          ? (resource.Properties.Policies ?? []).map((policy: any) => policy.PolicyDocument)
          : [];
    for (const document of documents) {
      for (const statement of document.Statement) found.push({ owner: logicalId, statement });
    }
  }
  return found;
}

/** Resources of one type in a raw template, as [logicalId, resource] pairs. */
export function resourcesOfType(template: Record<string, any>, type: string): Array<[string, any]> {
  return Object.entries(template.Resources ?? {}).filter(([, resource]: [string, any]) => resource.Type === type);
}

/**
 * Runs `work` on a machine with no AWS configuration but `variables`: every AWS_* variable of
 * this process removed, the config and credentials files pointed at nothing, no instance role.
 * The clients are the real ones (createClients), so the SDK's own chain finds what it finds.
 */
export async function withAwsEnvironment<T>(variables: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
  Object.assign(process.env, { ...OFFLINE_AWS_VARIABLES, ...variables });
  try {
    return await work();
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

/**
 * IAM actions that have no resource type, so a policy can only grant them on "*" (each also
 * acknowledged where cdk-nag reports it). The IAM tests allow "*" for these and nothing else.
 */
export const ACTIONS_WITHOUT_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'ecr:GetAuthorizationToken',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
  'logs:DescribeLogGroups',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'application-autoscaling:DescribeScalableTargets',
  'elasticloadbalancing:DescribeTargetHealth',
  // The restore drill: the latest revision of its task family; its state machine's log delivery
  // and X-Ray traces (Step Functions' own grants; none has a resource type).
  'ecs:DescribeTaskDefinition',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
]);

const COMMITTED_DEV = environmentNamed(platformConfig, 'dev');

/**
 * Dev behind the ALB, as it ran before its HTTP API (a load balancer, a target group, request-count
 * scaling, no container health check): the ALB's behaviour is checked on it and on prod.
 */
export const DEV_BEHIND_ALB: EnvironmentConfig = {
  ...COMMITTED_DEV,
  ingress: { kind: 'alb' },
  compute: {
    ...COMMITTED_DEV.compute,
    web: { ...COMMITTED_DEV.compute.web, requestsPerTaskPerMinute: 1000, healthCheckCommand: undefined },
  },
};

/** Dev on the ElastiCache cache it had before its cache task (`cache.hosting: 'task'`). */
export const DEV_ON_ELASTICACHE: EnvironmentConfig = {
  ...COMMITTED_DEV,
  cache: { ...COMMITTED_DEV.cache, hosting: 'elasticache', task: undefined },
};
