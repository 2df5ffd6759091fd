import { Stage, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { imageRepositoryName } from '../config';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { DomainZone } from '../modules/dns/hosted-zone';
import { ZoneDelegationRole } from '../modules/dns/zone-delegation';
import { dnsDelegationRoleName, stackName } from '../ops/contracts';
import { AuditTrail } from '../modules/account-baseline/audit-trail';
import {
  baselineAccounts,
  baselineStackPart,
  platformBuckets,
  resolveAccountBaseline,
} from '../modules/account-baseline/settings';
import { GuardDutyDetector, SecurityHubFoundational } from '../modules/account-baseline/threat-detection';
import { ImageRepository } from '../modules/images/image-repository';
import { GitHubConnection } from '../modules/pipeline/github-connection';
import { githubConnectionParameter, hostedZoneIdParameter } from '../modules/parameters/parameter-names';
import { PlatformStack } from './platform-stack';

export interface SharedStageProps {
  /**
   * Account-level configuration: app name, domain and hosted zone (0.50 USD/month), frontend
   * records, CAA issuers, the image repository (created or adopted) and the GitHub repository.
   */
  readonly shared: SharedConfig;
  /**
   * Every environment: those in another account than `shared.account` get a delegation role in
   * the DNS stack, the image repository's policy, and a GitHub connection in their account.
   */
  readonly environments: readonly EnvironmentConfig[];
}

/**
 * Account-level resources every environment uses, deployed once before them:
 * `<app>-shared-dns` (the hosted zone, frontend records, CAA), `<app>-shared-images` (the
 * application image repository; none when an existing one is adopted) and `<app>-shared-source`
 * (the GitHub connection; one more `<app>-shared-source` in each other account that holds an
 * environment), and the account baseline (`<app>-shared-baseline`, `<app>-shared-baseline-<account>`
 * and `...-<region>`: CloudTrail, GuardDuty, Security Hub per `shared.accountBaseline`, in every
 * account and region the platform deploys to). Deploy with `npx cdk deploy '<app>-shared/*'`.
 */
export class SharedStage extends Stage {
  public readonly dns: PlatformStack;
  /** Absent when the image repository is adopted (`shared.imageRepository.mode: 'adopt'`). */
  public readonly images?: PlatformStack;
  public readonly zone: DomainZone;
  /** Absent when the image repository is adopted. */
  public readonly repository?: ImageRepository;
  public readonly source: PlatformStack;
  public readonly connection: GitHubConnection;
  /** `<app>-shared-source` in each other account that holds an environment, by account id. */
  public readonly otherSources = new Map<string, PlatformStack>();
  /**
   * The account baseline stacks (`<app>-shared-baseline[-<account>][-<region>]`), by the part of
   * their name after `<app>-shared-`; none when the config creates nothing.
   */
  public readonly baselines = new Map<string, PlatformStack>();

  constructor(scope: Construct, props: SharedStageProps) {
    const { shared } = props;
    super(scope, `${shared.appName}-shared`, { env: { account: shared.account, region: shared.region } });
    Tags.of(this).add('app', shared.appName);
    Tags.of(this).add('environment', 'shared');
    const elsewhere = props.environments.filter((env) => env.account !== shared.account);
    const otherAccounts = [...new Set(elsewhere.map((env) => env.account))];
    const stackProps = (
      part: string,
      description: string,
      account = shared.account,
      region = shared.region,
      availabilityZones = shared.availabilityZones,
    ) => ({
      stackName: `${shared.appName}-shared-${part}`,
      description: `${shared.appName} shared: ${description}`,
      env: { account, region },
      availabilityZones,
      // Holds the domain's zone and every release image: never deleted by accident.
      terminationProtection: true,
    });

    this.dns = new PlatformStack(this, 'dns', stackProps('dns', 'hosted zone, frontend records, CAA'));
    this.zone = new DomainZone(this.dns, 'Dns', {
      domain: shared.domain,
      hostedZone: shared.hostedZone,
      frontendRecords: shared.frontendRecords,
      caaIssuers: shared.caaIssuers,
      zoneIdParameterName: hostedZoneIdParameter(shared.appName),
    });
    for (const env of elsewhere) {
      new ZoneDelegationRole(this.dns, `Delegation-${env.name}`, {
        zone: this.zone.zone,
        roleName: dnsDelegationRoleName(shared.appName, env.name),
        account: env.account,
        // The delegation records' handler roles, which CloudFormation names after their stacks:
        // the app stack (API host) and the us-east-1 edge stack (CDN host).
        assumingRolePrefixes: [
          `${stackName(shared.appName, env.name, 'app')}-`,
          ...(cdnDelegated(env) ? [`${stackName(shared.appName, env.name, 'edge')}-`] : []),
        ],
        delegatedZoneNames: [env.apiHost, ...(cdnDelegated(env) ? [env.cdn!.host] : [])],
      });
    }

    // An adopted repository (`shared.imageRepository: { mode: 'adopt', name }`) is referenced by
    // name from the pipelines and environments; there is nothing to create, so no images stack.
    if (shared.imageRepository?.mode !== 'adopt') {
      this.images = new PlatformStack(this, 'images', stackProps('images', 'application image repository'));
      this.repository = new ImageRepository(this.images, 'Images', {
        repositoryName: imageRepositoryName(shared),
        crossAccountEnvironments: elsewhere.map((env) => ({
          account: env.account,
          pipelineRolePrefix: `${stackName(shared.appName, env.name, 'pipeline')}-`,
        })),
        environments: props.environments.map((env) => env.name),
      });
    }

    this.source = new PlatformStack(this, 'source', stackProps('source', 'GitHub connection of the release pipelines'));
    this.connection = new GitHubConnection(this.source, 'GitHub', {
      connectionName: `${shared.appName}-github`,
      arnParameterName: githubConnectionParameter(shared.appName),
    });
    // A pipeline uses a connection of its own account: each other account gets one (free; one
    // console activation each), published under the same parameter name there.
    for (const account of otherAccounts) {
      const source = new PlatformStack(
        this,
        `source-${account}`,
        stackProps('source', `GitHub connection of the release pipelines in account ${account}`, account),
      );
      new GitHubConnection(source, 'GitHub', {
        connectionName: `${shared.appName}-github`,
        arnParameterName: githubConnectionParameter(shared.appName),
      });
      this.otherSources.set(account, source);
    }

    this.addAccountBaselines(props, stackProps);
  }

  /**
   * The security baseline of every account the platform deploys to: in the account's home region
   * its CloudTrail trail (multi-Region, once per account), and in each region an environment of
   * the account uses its GuardDuty detector and Security Hub, per `shared.accountBaseline`.
   */
  private addAccountBaselines(
    props: SharedStageProps,
    stackProps: (
      part: string,
      description: string,
      account?: string,
      region?: string,
      availabilityZones?: readonly string[],
    ) => ConstructorParameters<typeof PlatformStack>[2],
  ): void {
    const { shared } = props;
    const baseline = resolveAccountBaseline(shared.accountBaseline);
    for (const account of baselineAccounts(shared, props.environments)) {
      for (const region of account.regions) {
        const home = region === account.regions[0];
        const trail = home && baseline.trail.mode === 'create';
        const guardDuty = baseline.guardDuty.mode === 'create';
        const securityHub = baseline.securityHub.mode === 'create';
        if (!trail && !guardDuty && !securityHub) continue;
        const part = baselineStackPart(account, region);
        const holds = [trail && 'CloudTrail trail', guardDuty && 'GuardDuty', securityHub && 'Security Hub']
          .filter(Boolean)
          .join(', ');
        const zones =
          region === shared.region
            ? shared.availabilityZones
            : account.environments.find((env) => env.region === region)!.availabilityZones;
        const stack = new PlatformStack(
          this,
          part,
          stackProps(
            part,
            `account baseline of ${account.account} in ${region} (${holds})`,
            account.account,
            region,
            zones,
          ),
        );
        if (trail) {
          new AuditTrail(stack, 'AuditTrail', {
            trailName: `${shared.appName}-audit`,
            logGroupName: `${shared.appName}/audit-trail`,
            retentionDays: baseline.trail.retentionDays,
            dataEventBuckets: baseline.trail.s3DataEvents ? platformBuckets(shared.appName, account.environments) : [],
            cloudWatchLogsRetentionDays: baseline.trail.cloudWatchLogsRetentionDays,
            accessLogging: baseline.trail.accessLogging,
            usage: baseline.usage,
          });
        }
        if (guardDuty) {
          new GuardDutyDetector(stack, 'GuardDuty', {
            s3Protection: baseline.guardDuty.s3Protection,
            runtimeMonitoring: baseline.guardDuty.runtimeMonitoring,
            usage: baseline.usage,
          });
        }
        if (securityHub) new SecurityHubFoundational(stack, 'SecurityHub', { usage: baseline.usage });
        this.baselines.set(part, stack);
      }
    }
  }
}

/** Whether an environment (in an account other than the shared one) delegates its CDN host too. */
function cdnDelegated(env: EnvironmentConfig): boolean {
  return Boolean(env.storage && env.cdn?.enabled);
}
