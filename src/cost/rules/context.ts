import type { EnvironmentState, UsageAssumptions } from '../../config/types';

/** One stack's template, as the estimator reads it. */
export interface StackTemplate {
  readonly stackName: string;
  readonly region: string;
  readonly template: { readonly Resources?: Readonly<Record<string, CfnResource>> };
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly Metadata?: Record<string, unknown>;
}

/** A resource of the environment with the stack it is in. */
export interface ResourceEntry {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly resource: CfnResource;
}

/**
 * What a charge is to a commitment (`cost --plan`): steady usage a reservation or Savings Plan
 * could cover (database instance hours, cache node hours, the on-demand tasks of a service's
 * floor), or usage none covers as the plan models it (Spot tasks, scheduled extra tasks).
 */
export type CommitmentUse =
  'database-instance' | 'cache-node' | 'fargate-on-demand' | 'fargate-spot' | 'fargate-scheduled';

/** A quantity of something with a price: quantity x price = monthly USD. */
export interface Charge {
  readonly what: string;
  readonly quantity: number;
  readonly priceKey: string;
  /** Set on usage a commitment could cover, or that the plan must explain it leaves out. */
  readonly commitment?: CommitmentUse;
}

/** What a rule makes of one resource: charges to price, or why it is free or cannot be priced. */
export type RuleResult =
  | { readonly charges: readonly Charge[]; readonly note?: string }
  | { readonly free: string }
  | { readonly unpriced: string };

/** What a rule sees: the resource, its stack, the environment's state and usage, its neighbours. */
export interface RuleContext extends ResourceEntry {
  readonly state: EnvironmentState;
  readonly usage: UsageAssumptions;
  /** Every resource of the environment, for rules that look at neighbours. */
  readonly all: readonly ResourceEntry[];
  /** Records an assumption printed with the estimate. */
  assume(text: string): void;
}

/** Prices one resource type. */
export type Rule = (ctx: RuleContext) => RuleResult;

/** Rules by CloudFormation resource type. */
export type RuleTable = Readonly<Record<string, Rule>>;

/** A flat monthly charge: one of `what` a month. */
export function monthly(what: string, priceKey: string): Rule {
  return () => ({ charges: [{ what, quantity: 1, priceKey }] });
}

/**
 * A resource that publishes custom CloudWatch metrics declares how many with this tag, so their
 * monthly price (which no template property shows) is counted.
 */
export const CUSTOM_METRICS_TAG = 'booking:custom-metrics';

/**
 * Tagged on the database's master secret while its data is kept as a snapshot and the instance
 * deleted (minimal with `database.whileMinimal: 'snapshot'`): no template resource is the
 * snapshot, so its storage is priced there. The value is the instance identifier.
 */
export const KEPT_AS_SNAPSHOT_TAG = 'booking:database-kept-as-snapshot';

/** A tag's value, from either template form of Tags (a list of Key/Value or a map). */
export function tagValue(resource: CfnResource, key: string): string | undefined {
  const properties = resource.Properties ?? {};
  // Most types take `Tags`; a few name them after themselves (EFS: `FileSystemTags`, `AccessPointTags`).
  const named = Object.keys(properties).find(
    (name) => /^[A-Za-z]+Tags$/.test(name) && typeof properties[name] === 'object',
  );
  const tags = properties.Tags ?? (named ? properties[named] : undefined);
  if (Array.isArray(tags)) return tags.find((tag: { Key?: string }) => tag.Key === key)?.Value;
  if (tags && typeof tags === 'object') return (tags as Record<string, string>)[key];
  return undefined;
}

/** A literal number from a template value, or undefined for a token or anything else. */
export function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

/** How many resources of `type` the environment has. */
export function count(ctx: RuleContext, type: string): number {
  return ctx.all.filter((entry) => entry.resource.Type === type).length;
}

/**
 * This resource's share of an environment-wide usage figure, split evenly between the resources
 * of its type (e.g. the GB of images over the image repositories).
 */
export function evenShare(ctx: RuleContext, total: number): number {
  return total / count(ctx, ctx.resource.Type);
}

/**
 * Whether a resource of this resource's stack names it in the property `property` (a Ref or
 * Fn::GetAtt of its logical id anywhere in the value).
 */
export function referencedBy(ctx: RuleContext, entry: ResourceEntry, property: string): boolean {
  return (
    entry.stack === ctx.stack &&
    JSON.stringify(entry.resource.Properties?.[property] ?? '').includes(`"${ctx.logicalId}"`)
  );
}

/** A quantity as printed in a basis: whole numbers as they are, others to 2 decimals. */
export function formatQuantity(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
