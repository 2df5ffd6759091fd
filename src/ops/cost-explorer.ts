/**
 * Cost Explorer for `cost --activate-tags` and `cost <env> --actual`: the cost allocation tags the
 * platform puts on every resource, and last month's actual costs under them. Cost Explorer answers
 * for the account of the credentials (the management, or payer, account sees its organization's)
 * and charges 0.01 USD for every request, so each function makes the fewest calls it can.
 */
import {
  type CostExplorerClient,
  GetCostAndUsageCommand,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
} from '@aws-sdk/client-cost-explorer';
import { classifyAwsFailure, errorSummary, formatAwsFailure } from './aws-errors';

/** The tags every resource of the platform carries (src/stacks/*-stage.ts and each module). */
export const COST_ALLOCATION_TAG_KEYS = ['app', 'environment', 'module'] as const;

/**
 * A tag key as billing knows it. `unknown`: not in ListCostAllocationTags yet, which holds a key
 * only once resources carrying it have been billed (up to 24 hours after they are created).
 */
export type TagStatus = 'Active' | 'Inactive' | 'unknown';

export interface CostAllocationTag {
  readonly key: string;
  readonly status: TagStatus;
  /** When it was last activated or deactivated (ISO date-time), if ever. */
  readonly lastUpdated?: string;
  /** The last month a resource used it (ISO date-time). */
  readonly lastUsed?: string;
}

/** What billing knows of `keys` (user-defined tags), in the order given. One request a page. */
export async function costAllocationTags(
  client: CostExplorerClient,
  keys: readonly string[],
): Promise<CostAllocationTag[]> {
  const known = new Map<string, CostAllocationTag>();
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListCostAllocationTagsCommand({ TagKeys: [...keys], Type: 'UserDefined', NextToken: nextToken }),
    );
    for (const tag of page.CostAllocationTags ?? []) {
      if (!tag.TagKey) continue;
      known.set(tag.TagKey, {
        key: tag.TagKey,
        status: tag.Status === 'Active' ? 'Active' : 'Inactive',
        lastUpdated: tag.LastUpdatedDate,
        lastUsed: tag.LastUsedDate,
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return keys.map((key) => known.get(key) ?? { key, status: 'unknown' });
}

export type ActivationOutcome = 'activated' | 'already active' | 'not yet known' | 'failed';

export interface TagActivation {
  readonly key: string;
  /** The status billing showed before this run. */
  readonly before: TagStatus;
  readonly outcome: ActivationOutcome;
  /** AWS's words for a key it did not activate. */
  readonly detail?: string;
}

/** Error codes and messages AWS gives a key it does not know (yet). */
const UNKNOWN_KEY = /not ?found|does not exist|doesn't exist|unknown|invalid tag ?key/i;

/**
 * Activates `keys` as cost allocation tags. Idempotent: keys already active are not sent again,
 * and with nothing to activate there is no update request at all. A key billing does not know yet
 * is sent anyway (the listing may lag); if AWS refuses it, it is reported as not yet known.
 */
export async function activateCostAllocationTags(
  client: CostExplorerClient,
  keys: readonly string[] = COST_ALLOCATION_TAG_KEYS,
): Promise<TagActivation[]> {
  const before = await costAllocationTags(client, keys);
  const pending = before.filter((tag) => tag.status !== 'Active');
  const errors = new Map<string, { code?: string; message?: string }>();
  if (pending.length > 0) {
    const answer = await client.send(
      new UpdateCostAllocationTagsStatusCommand({
        CostAllocationTagsStatus: pending.map((tag) => ({ TagKey: tag.key, Status: 'Active' })),
      }),
    );
    for (const error of answer.Errors ?? []) {
      if (error.TagKey) errors.set(error.TagKey, { code: error.Code, message: error.Message });
    }
  }
  return before.map((tag): TagActivation => {
    if (tag.status === 'Active') return { key: tag.key, before: tag.status, outcome: 'already active' };
    const error = errors.get(tag.key);
    if (!error) return { key: tag.key, before: tag.status, outcome: 'activated' };
    const detail = [error.code, error.message].filter(Boolean).join(': ');
    const unknown = tag.status === 'unknown' || UNKNOWN_KEY.test(detail);
    return { key: tag.key, before: tag.status, outcome: unknown ? 'not yet known' : 'failed', detail };
  });
}

/** The previous calendar month in UTC, as Cost Explorer's period: start inclusive, end exclusive. */
export function previousMonth(now: Date): { readonly start: string; readonly end: string; readonly hours: number } {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const day = (date: Date) => date.toISOString().slice(0, 10);
  return { start: day(start), end: day(end), hours: (end.getTime() - start.getTime()) / 3_600_000 };
}

export interface ActualCosts {
  /** First day of the month (inclusive) and first day of the next (exclusive), YYYY-MM-DD. */
  readonly start: string;
  readonly end: string;
  /** Hours in the month (672 to 744), against the estimate's 730. */
  readonly hours: number;
  /** UnblendedCost in USD by Cost Explorer service name. */
  readonly byService: Readonly<Record<string, number>>;
  readonly totalUsd: number;
  /** Cost Explorer still estimates the month (its bill is not final). */
  readonly estimated: boolean;
  /** More services than one page held: the figures miss the rest (a second page is not read). */
  readonly truncated: boolean;
}

/**
 * Last month's UnblendedCost of the resources tagged `app=<appName>` and
 * `environment=<environment>`, by service: exactly one GetCostAndUsage request.
 */
export async function actualCosts(
  client: CostExplorerClient,
  target: { readonly appName: string; readonly environment: string; readonly now: Date },
): Promise<ActualCosts> {
  const month = previousMonth(target.now);
  const tag = (key: string, value: string) => ({
    Tags: { Key: key, Values: [value], MatchOptions: ['EQUALS' as const] },
  });
  const answer = await client.send(
    new GetCostAndUsageCommand({
      TimePeriod: { Start: month.start, End: month.end },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
      Filter: { And: [tag('app', target.appName), tag('environment', target.environment)] },
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    }),
  );
  const byService: Record<string, number> = {};
  let estimated = false;
  for (const result of answer.ResultsByTime ?? []) {
    estimated ||= Boolean(result.Estimated);
    for (const group of result.Groups ?? []) {
      const service = group.Keys?.[0];
      const amount = Number(group.Metrics?.UnblendedCost?.Amount ?? 0);
      if (service && Number.isFinite(amount)) byService[service] = (byService[service] ?? 0) + amount;
    }
  }
  const totalUsd = Math.round(Object.values(byService).reduce((sum, value) => sum + value, 0) * 100) / 100;
  return { ...month, byService, totalUsd, estimated, truncated: Boolean(answer.NextPageToken) };
}

/**
 * A Cost Explorer failure as one line with its fix. Cost Explorer answers only with credentials
 * allowed to use it: those of the management (payer) account, or of a member account it lets in.
 */
export function describeCostExplorerFailure(error: unknown, environment: NodeJS.ProcessEnv = process.env): string {
  const payer =
    "Cost Explorer needs the management (payer) account's credentials, or a member account's that the payer lets use Cost Explorer";
  const failure = classifyAwsFailure(error, environment);
  if (failure) return `${formatAwsFailure(failure)} (${payer})`;
  const summary = errorSummary(error);
  if (/not enabled|opt.?in|Cost Explorer/i.test(summary))
    return `${summary}; enable Cost Explorer in the payer account's Billing console (data appears within 24 hours), then run again`;
  return `${summary} (${payer})`;
}
