import { type ApiGatewayV2Client, GetVpcLinkCommand } from '@aws-sdk/client-apigatewayv2';

/**
 * The HTTP API's VPC link (`ingress: http-api`), as `resume` and `doctor` see it. API Gateway sets
 * a link INACTIVE after 60 days without traffic and deletes its network interfaces: requests
 * through it fail until traffic comes again, which makes API Gateway reprovision them (a few
 * minutes). A dev environment paused over a long break comes back that way.
 */
export interface VpcLinkState {
  readonly id: string;
  /** PENDING, AVAILABLE, DELETING, FAILED or INACTIVE; `missing` when API Gateway knows no such link. */
  readonly status: string;
  /** API Gateway's own words on the status (VpcLinkStatusMessage), when it gives any. */
  readonly message?: string;
}

/** Statuses traffic does not cure: the link must be replaced (by the app stack, which owns it). */
export const BROKEN_VPC_LINK_STATUSES: ReadonlySet<string> = new Set(['FAILED', 'DELETING', 'missing']);

/** How long the default wake request waits for an answer: any answer, or none, will do. */
const WAKE_REQUEST_TIMEOUT_MS = 10_000;

export async function readVpcLink(client: ApiGatewayV2Client, id: string): Promise<VpcLinkState> {
  try {
    const answer = await client.send(new GetVpcLinkCommand({ VpcLinkId: id }));
    return { id, status: answer.VpcLinkStatus ?? 'unknown', message: answer.VpcLinkStatusMessage || undefined };
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFoundException') return { id, status: 'missing' };
    throw error;
  }
}

/** `vpc-link abc123 is INACTIVE (AWS's message)`. */
export function describeVpcLink(link: VpcLinkState): string {
  return `the API's VPC link ${link.id} is ${link.status}${link.message ? ` (${link.message})` : ''}`;
}

/**
 * What to do about a broken link. A FAILED link does not recover, and CloudFormation neither
 * replaces a failed link nor notices a deleted one on a deploy without changes: the app stack
 * (stateless: it holds no data) must make a new one.
 */
export function brokenVpcLinkFix(stage: string): string {
  return `remove the cause AWS gives (e.g. no free address in a subnet), then re-create the app stack, which owns the link and holds no data (its services stop meanwhile): npx cdk destroy '${stage}/app' && npx cdk deploy '${stage}/*'`;
}

/**
 * The default way `resume` wakes an INACTIVE link: one GET to the API, whose `$default` route goes
 * through the link. The request is what counts, so any HTTP answer (a 503 while the link
 * reprovisions) and any network failure are fine; only what happened is returned, for the report.
 */
export async function requestApi(url: string): Promise<string> {
  try {
    const answer = await fetch(url, {
      redirect: 'manual',
      headers: { 'user-agent': 'booking-infra resume (waking the VPC link)' },
      signal: AbortSignal.timeout(WAKE_REQUEST_TIMEOUT_MS),
    });
    await answer.body?.cancel();
    return `HTTP ${answer.status}`;
  } catch (error) {
    // fetch says only "fetch failed"; the reason (ENOTFOUND, a certificate error...) is its cause.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const code = (cause as { code?: string } | undefined)?.code;
    const message = error instanceof Error ? error.message : String(error);
    return `no answer (${[message, cause?.message, code].filter(Boolean).join(': ')})`;
  }
}
