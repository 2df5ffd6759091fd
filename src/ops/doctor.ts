import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeDBEngineVersionsCommand } from '@aws-sdk/client-rds';
import { GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { GetHostedZoneCommand, ListHostedZonesByNameCommand } from '@aws-sdk/client-route-53';
import { GetParameterCommand, GetParametersCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import {
  EDGE_REGION,
  applicationSecretParameter,
  environmentName,
  githubConnectionParameter,
  hostedZoneIdParameter,
  STACK_OUTPUTS,
  stackName,
} from './contracts';
import { type AwsFailure, type AwsFailureKind, classifyAwsFailure, isSharedCause, notAwsResponse } from './aws-errors';
import type { OpsClients } from './clients';
import { stackOutputs } from './resources';
import { BROKEN_VPC_LINK_STATUSES, brokenVpcLinkFix, describeVpcLink, readVpcLink } from './vpc-link';

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do when it fails, or about a warning. */
  readonly fix?: string;
  /**
   * Set on a check that passes with something to know: nothing to fix before a deploy, but
   * something users will notice until it is done (`fix`).
   */
  readonly warning?: boolean;
  /** Set when the check failed because AWS could not be reached or would not answer (see aws-errors). */
  readonly cause?: AwsFailureKind;
  /** Set when the check was skipped: it would have failed for the cause the named check reports. */
  readonly sameCauseAs?: string;
}

export interface DoctorDependencies {
  readonly clients: OpsClients;
  /** Name servers the public DNS returns for a domain (node:dns in the CLI). */
  readonly resolveNs: (domain: string) => Promise<string[]>;
  /** The PostgreSQL version new databases get (the environment's database.engineVersion): checks the region offers it. @default not checked */
  readonly postgresVersion?: string;
  /** Whether a Docker engine answers here, and what it says. @default not checked */
  readonly docker?: () => Promise<{ readonly ok: boolean; readonly detail: string }>;
}

/**
 * The oldest bootstrap stack the synthesized templates accept: their CheckBootstrapVersion rule
 * refuses versions 1 to 5.
 */
export const MIN_BOOTSTRAP_VERSION = 6;

const normalize = (host: string) => host.toLowerCase().replace(/\.$/, '');

type CheckWork = () => Promise<Omit<CheckResult, 'name'>>;

/** A failed check for a failure to reach AWS: the cause as the detail, with its fix. */
const failedWith = (failure: AwsFailure): Omit<CheckResult, 'name'> => ({
  ok: false,
  detail: failure.cause,
  fix: failure.fix,
  cause: failure.kind,
});

async function runCheck(name: string, work: CheckWork): Promise<CheckResult> {
  try {
    return { name, ...(await work()) };
  } catch (error) {
    const failure = classifyAwsFailure(error);
    if (failure) return { name, ...failedWith(failure) };
    return {
      name,
      ok: false,
      detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      fix: 'see the error above',
    };
  }
}

/**
 * `check` for checks run one after another: once one fails for a shared cause (no credentials,
 * endpoint unreachable...), the later ones are skipped. Every check calls AWS with the same
 * credentials and endpoint settings, so each would fail the same way (after its own retries and
 * timeouts) and repeat the same fix; the next run, after the fix, checks them.
 */
function checkInOrder(): (name: string, work: CheckWork) => Promise<CheckResult> {
  let sharedCause: string | undefined;
  return async (name, work) => {
    if (sharedCause)
      return { name, ok: false, detail: `skipped: same cause as "${sharedCause}"`, sameCauseAs: sharedCause };
    const result = await runCheck(name, work);
    if (result.cause && isSharedCause(result.cause)) sharedCause = name;
    return result;
  };
}

/** Preflight before a deploy or a resume: each check says pass or fail, and the fix. */
export async function runDoctor(
  shared: SharedConfig,
  env: EnvironmentConfig,
  deps: DoctorDependencies,
): Promise<CheckResult[]> {
  const { clients } = deps;
  const results: CheckResult[] = [];
  const check = checkInOrder();

  results.push(
    await check('credentials', async () => {
      const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
      // A proxy answering 200 with a web page parses as an empty answer.
      if (!identity.Account) return failedWith(notAwsResponse(identity.$metadata.httpStatusCode));
      const ok = identity.Account === env.account;
      return {
        ok,
        detail: `account ${identity.Account} as ${identity.Arn}`,
        fix: ok
          ? undefined
          : `the config says ${env.account}: use credentials for that account (AWS_PROFILE=...) or set BOOKING_ACCOUNT=${identity.Account}`,
      };
    }),
  );

  results.push(
    await check(`CDK bootstrap in ${env.region}`, () =>
      bootstrapCheck(clients.cloudformation, env.account, env.region),
    ),
  );
  // The CDN's certificate is in the environment's us-east-1 edge stack, which needs its own bootstrap.
  if (env.storage && env.cdn?.enabled) {
    results.push(
      await check(`CDK bootstrap in ${EDGE_REGION} (CDN certificate)`, () =>
        bootstrapCheck(clients.edgeCloudformation, env.account, EDGE_REGION),
      ),
    );
  }

  const postgresVersion = deps.postgresVersion;
  if (postgresVersion) {
    results.push(
      await check(`PostgreSQL ${postgresVersion} offered in ${env.region}`, async () => {
        const answer = await clients.rds.send(
          new DescribeDBEngineVersionsCommand({ Engine: 'postgres', EngineVersion: postgresVersion }),
        );
        const ok = (answer.DBEngineVersions ?? []).length > 0;
        return {
          ok,
          detail: ok ? `RDS offers postgres ${postgresVersion}` : `RDS does not offer postgres ${postgresVersion} here`,
          fix: ok
            ? undefined
            : `list what it offers (aws rds describe-db-engine-versions --engine postgres --region ${env.region} --query 'DBEngineVersions[].EngineVersion') and set database.engineVersion in src/config/${env.name}.ts to one of them`,
        };
      }),
    );
  }

  results.push(
    await check('GitHub connection', async () => {
      const parameter = githubConnectionParameter(shared.appName);
      const arn = (await clients.ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
      const connection = await clients.connections.send(new GetConnectionCommand({ ConnectionArn: arn }));
      const status = connection.Connection?.ConnectionStatus ?? 'unknown';
      return {
        ok: status === 'AVAILABLE',
        detail: `${connection.Connection?.ConnectionName ?? arn} is ${status}`,
        fix:
          status === 'AVAILABLE'
            ? undefined
            : 'open the console, Developer Tools > Settings > Connections, choose the connection and "Update pending connection"',
      };
    }),
  );

  results.push(
    await check('application secrets', async () => {
      const names = env.applicationSecrets.map((variable) =>
        applicationSecretParameter(shared.appName, env.name, variable),
      );
      if (names.length === 0) return { ok: true, detail: 'none configured' };
      const answer = await clients.ssm.send(new GetParametersCommand({ Names: names, WithDecryption: false }));
      const missing = answer.InvalidParameters ?? [];
      const notSecure = (answer.Parameters ?? []).filter((p) => p.Type !== 'SecureString').map((p) => p.Name!);
      const ok = missing.length === 0 && notSecure.length === 0;
      const problems = [...missing.map((n) => `${n} missing`), ...notSecure.map((n) => `${n} is not a SecureString`)];
      return {
        ok,
        detail: ok ? `${names.length} SecureString parameter(s) present` : problems.join('; '),
        fix: ok
          ? undefined
          : [...missing, ...notSecure]
              .map((n) => `aws ssm put-parameter --type SecureString --overwrite --name ${n} --value '...'`)
              .join('\n'),
      };
    }),
  );

  // In the shared account the domain's zone is delegated at the registrar; an environment in
  // an account of its own has its API host's zone, delegated from the shared zone by its app stack.
  const ownZone = env.account !== shared.account;
  const delegated = ownZone ? env.apiHost : shared.domain;
  results.push(
    await check(`NS delegation of ${delegated}`, async () => {
      let zoneId: string | undefined;
      if (ownZone) {
        const listed = await clients.route53.send(new ListHostedZonesByNameCommand({ DNSName: env.apiHost }));
        zoneId = listed.HostedZones?.find((zone) => normalize(zone.Name ?? '') === normalize(env.apiHost))?.Id;
        if (!zoneId) {
          return {
            ok: false,
            detail: `no hosted zone ${env.apiHost} in account ${env.account}`,
            fix: `deploy ${stackName(shared.appName, env.name, 'app')} (npx cdk deploy '${environmentName(shared.appName, env.name)}/app'): it creates the zone and its delegation`,
          };
        }
      } else {
        zoneId = (await clients.ssm.send(new GetParameterCommand({ Name: hostedZoneIdParameter(shared.appName) })))
          .Parameter?.Value;
      }
      const zone = await clients.route53.send(new GetHostedZoneCommand({ Id: zoneId }));
      const expected = (zone.DelegationSet?.NameServers ?? []).map(normalize).sort();
      const actual = (await deps.resolveNs(delegated)).map(normalize).sort();
      const ok = expected.length > 0 && expected.join(',') === actual.join(',');
      return {
        ok,
        detail: ok
          ? `delegated to ${expected.join(', ')}`
          : `the zone has ${expected.join(', ') || 'no name servers'}; DNS answers ${actual.join(', ') || 'nothing'}`,
        fix: ok
          ? undefined
          : ownZone
            ? `the NS records of ${env.apiHost} in the ${shared.domain} zone (account ${shared.account}) should list ${expected.join(' ')}: deploy ${environmentName(shared.appName, env.name)}/app again (its delegation record writes them; resolvers may cache the old ones for up to 2 days)`
            : `set the name servers of ${shared.domain} at its registrar to: ${expected.join(' ')}`,
      };
    }),
  );
  if (env.ingress?.kind === 'http-api') {
    results.push(await check('VPC link of the HTTP API', () => vpcLinkCheck(clients, shared, env)));
  }
  // Local, not AWS: a deploy builds the PgBouncer image asset for the tasks' architecture.
  if (!deps.docker) return results;
  const docker = await deps.docker();
  results.push({
    name: 'Docker for image assets',
    ok: docker.ok,
    detail: docker.detail,
    fix: docker.ok
      ? undefined
      : 'start a Docker engine that builds linux/arm64 images (Docker Desktop, or on Linux: the engine plus QEMU, e.g. docker run --privileged --rm tonistiigi/binfmt --install arm64)',
  });
  return results;
}

/** Whether the CDK bootstrap stack in `region` exists, completed, and is recent enough. */
async function bootstrapCheck(
  cloudformation: CloudFormationClient,
  account: string,
  region: string,
): Promise<Omit<CheckResult, 'name'>> {
  try {
    const answer = await cloudformation.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }));
    const stack = answer.Stacks?.[0];
    const status = stack?.StackStatus ?? 'missing';
    const version = Number(stack?.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue ?? NaN);
    const complete = /_COMPLETE$/.test(status) && !status.startsWith('DELETE') && !status.includes('ROLLBACK');
    const recent = version >= MIN_BOOTSTRAP_VERSION;
    const ok = complete && recent;
    return {
      ok,
      detail: `CDKToolkit is ${status}, bootstrap version ${Number.isNaN(version) ? 'unknown' : version}${recent ? '' : ` (templates need ${MIN_BOOTSTRAP_VERSION} or later)`}`,
      fix: ok ? undefined : `npx cdk bootstrap aws://${account}/${region}`,
    };
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) {
      return {
        ok: false,
        detail: 'CDKToolkit stack not found',
        fix: `npx cdk bootstrap aws://${account}/${region}`,
      };
    }
    throw error;
  }
}

/**
 * The HTTP API's VPC link, named by the deployed app stack. INACTIVE (60 days without traffic,
 * e.g. a dev environment paused over a long break) passes with a warning: requests fail for the
 * few minutes it takes to come back, and `resume` (or any request) brings it back. FAILED, being
 * deleted or gone fails: traffic does not cure those.
 */
async function vpcLinkCheck(
  clients: OpsClients,
  shared: SharedConfig,
  env: EnvironmentConfig,
): Promise<Omit<CheckResult, 'name'>> {
  const appStack = stackName(shared.appName, env.name, 'app');
  const id = (await stackOutputs(clients.cloudformation, appStack))?.[STACK_OUTPUTS.app.vpcLinkId];
  if (!id) return { ok: true, detail: `none yet: ${appStack} is not deployed with the HTTP API (a deploy creates it)` };
  const link = await readVpcLink(clients.apigatewayv2, id);
  const url = `https://${env.apiHost}/`;
  if (link.status === 'AVAILABLE') return { ok: true, detail: describeVpcLink(link) };
  if (BROKEN_VPC_LINK_STATUSES.has(link.status)) {
    return {
      ok: false,
      detail: `${describeVpcLink(link)}: requests to ${url} cannot reach the web tasks`,
      fix: brokenVpcLinkFix(environmentName(shared.appName, env.name)),
    };
  }
  return {
    ok: true,
    warning: true,
    detail:
      link.status === 'INACTIVE'
        ? `${describeVpcLink(link)} (no traffic for 60 days): requests to ${url} will fail for a few minutes until it reactivates`
        : `${describeVpcLink(link)}: requests to ${url} may fail for a few minutes until it is AVAILABLE`,
    fix: `npx booking-infra resume ${env.name} (it wakes the link and waits until it is AVAILABLE), or send any request to ${url}`,
  };
}
