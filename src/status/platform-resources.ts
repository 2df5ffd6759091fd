import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlatformConfig } from '../config/types';
import { environmentStacks, SHARED_ESTIMATE } from '../cost/environment-cost';
import type { StackTemplate } from '../cost/estimator';
import { type CfnResource, tagValue } from '../cost/rules/context';
import { createPlatformApp } from '../platform';
import { moduleFromPath } from '../cost/estimator';

/** The tag every module construct puts on its resources (`Tags.of(this).add('module', ...)`). */
export const MODULE_TAG = 'module';

/** One resource of a synthesized template, with the environment and module it belongs to. */
export interface PlatformResource {
  /** An environment's name, or `shared` for the account-level stacks. */
  readonly environment: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  /** Its `module` tag; see `platformResources` for resources that cannot carry tags. */
  readonly module: string;
  readonly resource: CfnResource;
}

/** The templates of each environment (and `shared`), by name, as the estimator reads them. */
export type PlatformStacks = Readonly<Record<string, readonly StackTemplate[]>>;

/**
 * Synthesizes `config` once, quality gates off (so Lambda bundling is skipped too), and returns
 * each environment's templates plus the shared ones. The synth is only read, like the estimator's.
 */
export function synthesizePlatformStacks(config: PlatformConfig): Record<string, StackTemplate[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'booking-status-'));
  try {
    const assembly = createPlatformApp(config, { outdir, qualityGates: false }).app.synth();
    const names = [...config.environments.map((env) => env.name), SHARED_ESTIMATE];
    return Object.fromEntries(names.map((name) => [name, environmentStacks(assembly, config.shared.appName, name)]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function cdkPath(resource: CfnResource): string | undefined {
  const path = resource.Metadata?.['aws:cdk:path'];
  return typeof path === 'string' ? path : undefined;
}

/** The construct paths above `path`, nearest first, stopping below the stack (`<stage>/<stack>`). */
function ancestors(path: string): string[] {
  const parts = path.split('/');
  const result: string[] = [];
  for (let length = parts.length - 1; length >= 3; length--) result.push(parts.slice(0, length).join('/'));
  return result;
}

/**
 * Every resource of the given templates with its module. Its own `module` tag names it; a
 * resource type that cannot carry tags (IAM policies, record sets, scaling policies...) takes the
 * tag of the nearest construct above it whose tagged resources agree on one, which is the module
 * construct that applied the tag; failing that, the module construct's id in its path, as the
 * cost estimator does.
 */
export function platformResources(stacks: PlatformStacks): PlatformResource[] {
  const entries = Object.entries(stacks).flatMap(([environment, templates]) =>
    templates.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {}).map(([logicalId, resource]) => ({
        environment,
        stack: stack.stackName,
        logicalId,
        resource,
        tag: tagValue(resource, MODULE_TAG),
        path: cdkPath(resource),
      })),
    ),
  );
  // The module tag of each construct path, or null where its tagged resources disagree.
  const tagged = new Map<string, string | null>();
  for (const entry of entries) {
    if (entry.tag === undefined || entry.path === undefined) continue;
    for (const path of ancestors(entry.path)) {
      const known = tagged.get(path);
      tagged.set(path, known === undefined || known === entry.tag ? entry.tag : null);
    }
  }
  return entries.map(({ environment, stack, logicalId, resource, tag, path }) => {
    const inherited =
      path === undefined
        ? undefined
        : ancestors(path)
            .map((p) => tagged.get(p))
            .find((t) => !!t);
    return {
      environment,
      stack,
      logicalId,
      type: resource.Type,
      module: tag ?? inherited ?? moduleFromPath(path),
      resource,
    };
  });
}
