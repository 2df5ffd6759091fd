import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp } from '../src/app';
import { type EnvironmentConfig, platformConfig, type PlatformConfig } from '../src/config';
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

/** Synthesizes through buildApp with the quality gate on, into a fresh temporary directory. */
export function synth(
  config: PlatformConfig = platformConfig,
  options: { firstDeploy?: readonly string[] } = {},
): SynthesizedPlatform {
  const outdir = mkdtempSync(join(tmpdir(), 'booking-synth-'));
  const { app } = buildApp(config, { outdir, ...options });
  return new SynthesizedPlatform(synthesize(app), config.shared.appName);
}

/** Resources of one type in a raw template, as [logicalId, resource] pairs. */
export function resourcesOfType(template: Record<string, any>, type: string): Array<[string, any]> {
  return Object.entries(template.Resources ?? {}).filter(([, resource]: [string, any]) => resource.Type === type);
}
