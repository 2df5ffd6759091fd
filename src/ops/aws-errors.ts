/**
 * Turns an AWS SDK v3 failure to reach AWS into one line: the cause first, then the fix.
 * Lives in ops (not cli) because `doctor` uses it too; the CLI prints it for any failed command.
 */

/** Why a call did not get a proper answer from AWS. */
export type AwsFailureKind =
  'no-credentials' | 'credentials' | 'no-region' | 'unreachable' | 'not-aws' | 'rejected-credentials' | 'access-denied';

export interface AwsFailure {
  readonly kind: AwsFailureKind;
  /** What went wrong, e.g. `cannot reach 127.0.0.1:9 (ECONNREFUSED)`. */
  readonly cause: string;
  /** What to do about it. */
  readonly fix: string;
}

/**
 * Whether every AWS call of the process fails the same way: all clients share the credential
 * chain, the region and the endpoint settings. Access denied is per action, so it is not.
 */
export function isSharedCause(kind: AwsFailureKind): boolean {
  return kind !== 'access-denied';
}

/** The failure as one line: cause, then fix. */
export function formatAwsFailure(failure: AwsFailure): string {
  return `${failure.cause}; ${failure.fix}`;
}

/** One line for the CLI when `error` is a failure to reach AWS; undefined for anything else. */
export function describeAwsFailure(error: unknown, environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const failure = classifyAwsFailure(error, environment);
  return failure && formatAwsFailure(failure);
}

/** The fields of SDK and node errors this module reads; every one is optional. */
interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly hostname?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly headers?: Record<string, string | undefined> };
}

const asErrorLike = (value: unknown): ErrorLike | undefined =>
  typeof value === 'object' && value !== null ? (value as ErrorLike) : undefined;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The first non-empty line of a message: SDK messages sometimes add a second line of advice. */
const firstLine = (message: string): string => message.trim().split('\n')[0].trim();

/** Any error as one line; an empty message or a bare "Unknown" becomes its name, code and HTTP status. */
export function errorSummary(error: unknown): string {
  const like = asErrorLike(error);
  if (!like) return String(error);
  const name = text(like.name) || 'Error';
  const message = firstLine(text(like.message));
  if (message && message !== name && message !== 'Unknown' && message !== 'UnknownError') return message;
  const code = text(like.code);
  const status = like.$metadata?.httpStatusCode;
  return [name, code && code !== name ? code : '', status ? `(HTTP ${status})` : ''].filter(Boolean).join(' ');
}

/** Recognizes a failure to reach AWS (see AwsFailureKind); undefined for anything else. */
export function classifyAwsFailure(
  error: unknown,
  environment: NodeJS.ProcessEnv = process.env,
): AwsFailure | undefined {
  const like = asErrorLike(error);
  if (!like) return undefined;
  return (
    credentialsFailure(like, environment) ??
    regionFailure(like) ??
    networkFailure(like, environment) ??
    notAwsFailure(like, environment) ??
    rejectedCredentials(like, environment) ??
    accessDenied(like, environment)
  );
}

/** `AWS_PROFILE=x`, or nothing when it is not set: said where it explains the failure. */
function profileNote(environment: NodeJS.ProcessEnv): string {
  return environment.AWS_PROFILE ? ` (AWS_PROFILE=${environment.AWS_PROFILE})` : '';
}

function credentialsFailure(error: ErrorLike, environment: NodeJS.ProcessEnv): AwsFailure | undefined {
  const message = firstLine(text(error.message));
  const fromProvider = error.name === 'CredentialsProviderError' || error.name === 'TokenProviderError';
  if (/Could not load credentials from any providers/i.test(message)) {
    return {
      kind: 'no-credentials',
      cause: `no AWS credentials found${profileNote(environment)}`,
      fix: 'set AWS_PROFILE to a configured profile (run `aws sso login` first if it uses SSO), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    };
  }
  if (!fromProvider) return undefined;
  // A profile that exists but cannot give credentials: an expired SSO session, a missing profile...
  return {
    kind: 'credentials',
    cause: `the AWS credentials could not be loaded${profileNote(environment)}: ${message || error.name}`,
    fix: /sso|token|expired/i.test(message)
      ? 'run `aws sso login` (with the same AWS_PROFILE) and try again'
      : 'check AWS_PROFILE and ~/.aws/config (run `aws configure list`), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  };
}

function regionFailure(error: ErrorLike): AwsFailure | undefined {
  if (!/Region is missing/i.test(text(error.message))) return undefined;
  return {
    kind: 'no-region',
    cause: 'no AWS region configured',
    fix: 'set AWS_REGION (e.g. AWS_REGION=eu-west-2) or a region in your AWS profile',
  };
}

/** Node's codes for a connection that could not be made or did not complete. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * The error, its causes and, for an AggregateError (node tries IPv6 and IPv4 in turn), its
 * errors: the code of a refused connection may sit on any of them.
 */
function errorChain(error: ErrorLike, depth = 0): ErrorLike[] {
  if (depth > 5) return [];
  const nested = [error.cause, ...(Array.isArray(error.errors) ? error.errors : [])]
    .map(asErrorLike)
    .filter((inner): inner is ErrorLike => inner !== undefined);
  return [error, ...nested.flatMap((inner) => errorChain(inner, depth + 1))];
}

/** The AWS_ENDPOINT_URL* variables that are set, as `NAME=value`: they decide where calls go. */
function endpointVariables(environment: NodeJS.ProcessEnv): string[] {
  return Object.entries(environment)
    .filter(([name, value]) => /^AWS_ENDPOINT_URL(_\w+)?$/.test(name) && value)
    .map(([name, value]) => `${name}=${value}`)
    .sort();
}

/** The host and port a network error names; a lookup error has no port, the endpoint URL may. */
function hostOf(errors: ErrorLike[], environment: NodeJS.ProcessEnv): string | undefined {
  for (const error of errors) {
    const address = text(error.address) || text(error.hostname);
    if (!address) continue;
    // An IPv6 address is bracketed, as in a URL, so the port stays readable.
    if (typeof error.port === 'number') return `${address.includes(':') ? `[${address}]` : address}:${error.port}`;
    const endpoint = environment.AWS_ENDPOINT_URL;
    if (endpoint && URL.canParse(endpoint) && new URL(endpoint).hostname === address) return new URL(endpoint).host;
    return address;
  }
  return undefined;
}

function networkFailure(error: ErrorLike, environment: NodeJS.ProcessEnv): AwsFailure | undefined {
  const chain = errorChain(error);
  const failed = chain.find((inner) => NETWORK_CODES.has(text(inner.code)) || NETWORK_CODES.has(text(inner.errno)));
  const timedOut = chain.find((inner) => inner.name === 'TimeoutError');
  if (!failed && !timedOut) return undefined;
  const code = failed ? text(failed.code) || text(failed.errno) : 'timed out';
  const host = hostOf(chain, environment) ?? 'the AWS endpoint';
  const endpoints = endpointVariables(environment);
  return {
    kind: 'unreachable',
    cause: `cannot reach ${host} (${code})`,
    fix: endpoints.length
      ? `check ${endpoints.join(', ')} (is that service running?) or the network`
      : 'check the network, a firewall or VPN between you and AWS (AWS_ENDPOINT_URL is not set)',
  };
}

/** The line for an answer that did not come from an AWS API (a proxy, a captive portal, a web server). */
export function notAwsResponse(status: number | undefined, environment: NodeJS.ProcessEnv = process.env): AwsFailure {
  const endpoints = endpointVariables(environment);
  const where = environment.AWS_ENDPOINT_URL ? `the endpoint ${environment.AWS_ENDPOINT_URL}` : 'the endpoint';
  return {
    kind: 'not-aws',
    cause: `${where} answered with something that is not an AWS API response${status ? ` (HTTP ${status})` : ''}`,
    fix: endpoints.length
      ? `check ${endpoints.join(', ')} points at AWS or an AWS emulator, and any proxy in between`
      : 'check for a proxy or captive portal between you and AWS (AWS_ENDPOINT_URL is not set)',
  };
}

/** Content types AWS APIs answer with: XML (query, rest-xml) or JSON (json, rest-json). */
const AWS_CONTENT_TYPE = /xml|json/i;

function notAwsFailure(error: ErrorLike, environment: NodeJS.ProcessEnv): AwsFailure | undefined {
  const status = error.$metadata?.httpStatusCode;
  const contentType = error.$response?.headers?.['content-type'];
  const unparsable = error.name === 'SyntaxError' || /Deserialization error/i.test(text(error.message));
  // The SDK names an error it could not read from the body "Unknown" (XML) or "UnknownError".
  const unnamed = (error.name === 'Unknown' || error.name === 'UnknownError') && status !== undefined;
  const foreignBody = error.$response !== undefined && contentType !== undefined && !AWS_CONTENT_TYPE.test(contentType);
  return unparsable || unnamed || foreignBody ? notAwsResponse(status, environment) : undefined;
}

/** Error names AWS gives credentials it does not accept. */
const REJECTED = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
]);

function rejectedCredentials(error: ErrorLike, environment: NodeJS.ProcessEnv): AwsFailure | undefined {
  const name = text(error.name);
  if (!REJECTED.has(name)) return undefined;
  return {
    kind: 'rejected-credentials',
    cause: `AWS rejected the credentials${profileNote(environment)}: ${name}: ${firstLine(text(error.message))}`,
    fix: 'refresh them: `aws sso login` for an SSO profile, or new AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN',
  };
}

function accessDenied(error: ErrorLike, environment: NodeJS.ProcessEnv): AwsFailure | undefined {
  const name = text(error.name);
  const message = firstLine(text(error.message));
  if (!/AccessDenied|UnauthorizedOperation|AuthorizationError/.test(name) && !/not authorized to perform/.test(message))
    return undefined;
  // AWS's message usually reads "User: <arn> is not authorized to perform: <action> on resource: <arn>".
  const action = /perform: ([\w-]+:[\w*]+)/.exec(message)?.[1];
  const principal = /User: (arn:\S+)/.exec(message)?.[1];
  const who = principal ?? `the role or user of your credentials${profileNote(environment)}`;
  return {
    kind: 'access-denied',
    cause: `access denied${action ? ` to ${action}` : ''} (${name || 'AccessDenied'})`,
    fix: `check the IAM policies of ${who}: they must allow ${action ?? 'this action'} (and no SCP or permission boundary may deny it)`,
  };
}
