import { Tags } from 'aws-cdk-lib';
import { acknowledge } from '../../quality/acknowledge';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EgressMode, FlowLogsConfig, InterfaceEndpointName, SubnetMasks } from '../../config/types';

/** PostgreSQL's port: the database security group opens only this. */
export const DATABASE_PORT = 5432;
/** Redis / Valkey's port: the cache security group opens only this. */
export const CACHE_PORT = 6379;
/** NFS, the cache task's EFS file system. */
export const NFS_PORT = 2049;

/** The AWS service behind each short name of `network.interfaceEndpoints`. */
export const INTERFACE_ENDPOINT_SERVICE: Readonly<Record<InterfaceEndpointName, ec2.InterfaceVpcEndpointAwsService>> = {
  'ecr-api': ec2.InterfaceVpcEndpointAwsService.ECR,
  'ecr-dkr': ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
  ssmmessages: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
  ec2messages: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
  secretsmanager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  sts: ec2.InterfaceVpcEndpointAwsService.STS,
};

/** A construct id for an endpoint: `ecr-api` -> `EcrApiEndpoint`, `secretsmanager` -> `SecretsManagerEndpoint`. */
function endpointId(name: InterfaceEndpointName): string {
  const words: Partial<Record<InterfaceEndpointName, string>> = {
    secretsmanager: 'SecretsManager',
    ssmmessages: 'SsmMessages',
    ec2messages: 'Ec2Messages',
  };
  const pascal = words[name] ?? name.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());
  return `${pascal}Endpoint`;
}

export interface NetworkingProps {
  /** Explicit AZ names; one subnet of each tier is made in each. */
  readonly availabilityZones: readonly string[];
  /** The VPC's IPv4 range, e.g. `10.10.0.0/16`; must not overlap another environment's. */
  readonly cidr: string;
  /**
   * Prefix lengths of the public, private and isolated tiers (e.g. 24 = 256 addresses per
   * subnet); one subnet of each tier per AZ.
   */
  readonly subnetMasks: SubnetMasks;
  /**
   * How tasks reach the internet: `public` (a public IPv4 per task, 3.65 USD/month each, no NAT),
   * `nat-single` (one NAT gateway: 36.50 USD/month + 0.05 USD/GB in London, plus its public IPv4,
   * 3.65 USD/month) or `nat-per-az` (that, per AZ).
   */
  readonly egress: EgressMode;
  /**
   * Security groups for the restore drill (`backup.enabled`): its verification task (PostgreSQL to
   * the restored instance, HTTPS out to pull its image and read its secret) and the restored
   * instance (PostgreSQL from that task only). Security groups are free.
   * @default false
   */
  readonly restoreDrill?: boolean;
  /**
   * VPC flow logs to CloudWatch Logs, and their retention in days. Ingestion costs 0.5985 USD/GB
   * and storage 0.0315 USD per GB-month in London.
   */
  readonly flowLogs: FlowLogsConfig;
  /**
   * Remove the NAT gateways while no task runs (the `minimal` state): saves their hourly price
   * (36.50 USD/month each in London) and public IPv4s (3.65 USD/month each). Private subnets keep
   * their addresses; only the default route goes.
   */
  readonly withoutNat: boolean;
  /** `compute.appPort`: the port web tasks listen on, and the only port the front door may reach. */
  readonly appPort: number;
  /**
   * Make room for the credential-rotation functions (`database.credentialRotation.enabled`): a
   * security group the database admits, and, where no NAT gateway gives the private subnets a
   * way out (`public` egress), a Secrets Manager interface endpoint for them: 0.011 USD per
   * AZ-hour in London (16.06 USD/month in two AZs) plus 0.01 USD per GB.
   * @default false
   */
  readonly credentialRotation?: boolean;
  /**
   * Interface endpoints (`network.interfaceEndpoints`): each in the private subnet of every AZ,
   * private DNS on, behind one security group admitting HTTPS from the web and worker tasks and
   * the rotation functions only. 0.011 USD per endpoint AZ-hour in London (16.06 USD/month per
   * endpoint in two AZs) plus 0.01 USD per GB. A `secretsmanager` here is also the rotation
   * functions' endpoint.
   * @default []
   */
  readonly interfaceEndpoints?: readonly InterfaceEndpointName[];
  /**
   * The cache runs as an ECS task (`cache.hosting: task`) in the cache group: it gets HTTPS out
   * (image, logs, secrets) and NFS to its EFS file system's own group. Security groups are free.
   * @default false
   */
  readonly cacheTask?: boolean;
}

/**
 * The seed's networking module: a VPC with public, private and isolated subnets in each AZ, the
 * free S3 gateway endpoint, optional flow logs, and the security groups of every tier with
 * least-privilege rules between them. All rules live here, in one stack, so no other stack ever
 * edits a security group it does not own.
 */
export class Networking extends Construct {
  public readonly vpc: ec2.Vpc;
  /** Internet-facing ALB (`ingress: alb`): 80 and 443 in from anywhere; out only to the app port in the VPC. */
  public readonly albSecurityGroup: ec2.SecurityGroup;
  /** The HTTP API's VPC link (`ingress: http-api`): nothing in; out only to the app port in the VPC. */
  public readonly vpcLinkSecurityGroup: ec2.SecurityGroup;
  /** Web tasks: the app port from the ALB (or the VPC link) only. */
  public readonly webSecurityGroup: ec2.SecurityGroup;
  /** Worker and one-off tasks: nothing in. */
  public readonly workerSecurityGroup: ec2.SecurityGroup;
  /** Database: 5432 from web and worker tasks only; nothing out. */
  public readonly databaseSecurityGroup: ec2.SecurityGroup;
  /** Cache: 6379 from web and worker tasks only; nothing out. */
  public readonly cacheSecurityGroup: ec2.SecurityGroup;
  /** `cacheTask`: the cache's EFS file system: NFS from the cache task only; nothing out. */
  public readonly cacheFilesSecurityGroup?: ec2.SecurityGroup;
  /** Where tasks run: public subnets in `public` egress mode, private subnets behind NAT otherwise. */
  public readonly taskSubnets: ec2.SubnetSelection;
  /** Whether tasks need a public IP to reach the internet (true only in `public` egress mode). */
  public readonly assignPublicIp: boolean;
  /** The rotation functions' group (PostgreSQL to the database, HTTPS out), with `credentialRotation`. */
  public readonly rotationSecurityGroup?: ec2.SecurityGroup;
  /** The restore drill's verification task: PostgreSQL to the drill database, HTTPS out. */
  public readonly drillTaskSecurityGroup?: ec2.SecurityGroup;
  /** The instance a restore drill restores: PostgreSQL from the drill task only, nothing out. */
  public readonly drillDatabaseSecurityGroup?: ec2.SecurityGroup;
  /** Where the rotation functions run: the private subnets (behind NAT, or beside the endpoint). */
  public readonly rotationSubnets: ec2.SubnetSelection = { subnetGroupName: 'private' };
  /**
   * The Secrets Manager endpoint: the rotation functions' when there is no NAT gateway, or the
   * one `interfaceEndpoints` lists (then one and the same endpoint).
   */
  public readonly secretsManagerEndpoint?: ec2.InterfaceVpcEndpoint;
  /** Every interface endpoint, by service name. */
  public readonly interfaceEndpoints: Partial<Record<InterfaceEndpointName, ec2.InterfaceVpcEndpoint>> = {};
  /** The interface endpoints' security group: HTTPS from the task groups (and rotation) only. */
  public readonly endpointSecurityGroup?: ec2.SecurityGroup;
  /** Subnets for the database and cache: no route to or from the internet. */
  public readonly dataSubnets: ec2.SubnetSelection = { subnetGroupName: 'isolated' };
  /** The flow-log group, when flow logs are on. */
  public readonly flowLogGroup?: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NetworkingProps) {
    super(scope, id);
    Tags.of(this).add('module', 'networking');
    const natGateways = props.withoutNat ? 0 : natGatewayCount(props.egress, props.availabilityZones.length);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      availabilityZones: [...props.availabilityZones],
      natGateways,
      // Closes the default security group (nothing here uses it) so a resource created by hand
      // without a security group is not silently open inside the VPC.
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        {
          name: 'public',
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: props.subnetMasks.public,
          mapPublicIpOnLaunch: false,
        },
        {
          name: 'private',
          // Without NAT, a "private with egress" subnet would have no default route; CDK calls
          // that isolated, and tasks then run in the public tier instead.
          subnetType: natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
          cidrMask: props.subnetMasks.private,
        },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: props.subnetMasks.isolated },
      ],
      // Free: image layers from ECR (stored in S3) and S3 traffic skip the NAT gateway.
      gatewayEndpoints: {
        S3: {
          service: ec2.GatewayVpcEndpointAwsService.S3,
          subnets: [{ subnetGroupName: 'public' }, { subnetGroupName: 'private' }, { subnetGroupName: 'isolated' }],
        },
      },
    });

    acknowledge(
      this.vpc,
      'CloudFormation-Validate::W3010',
      'AZ names come from config on purpose: synth must run offline, without Fn::GetAZs or lookups, and the subnet plan is validated against them',
    );

    if (props.flowLogs.enabled) {
      this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
        retention: props.flowLogs.retentionDays as logs.RetentionDays,
      });
      this.vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
    } else {
      acknowledge(
        this.vpc,
        'AwsSolutions::AwsSolutions-VPC7',
        'Flow logs are off by config in this non-production environment (network.flowLogs.enabled) to save log ingestion; production turns them on',
      );
    }

    this.assignPublicIp = props.egress === 'public';
    // By group name, not type: the private tier is typed isolated while its NAT is removed.
    this.taskSubnets = { subnetGroupName: this.assignPublicIp ? 'public' : 'private' };

    // Both front doors' groups exist whichever `ingress` is chosen (unused, a group costs nothing
    // and holds no interface): switching is then one app-stack deploy, with the old front door
    // still reaching the tasks until CloudFormation removes it, and no group is replaced or left
    // behind in use.
    const alb = this.securityGroup('AlbSecurityGroup', 'Load balancer: HTTP and HTTPS from the internet', false);
    alb.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from the internet (redirected to HTTPS)');
    alb.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
    acknowledge(
      alb,
      'AwsSolutions::AwsSolutions-EC23',
      'The internet-facing load balancer serves the public booking API: only 443, and 80 to redirect to HTTPS, are open to 0.0.0.0/0',
    );
    this.albSecurityGroup = alb;
    // API Gateway's network interfaces in the task subnets open every connection: nothing comes in.
    const link = this.securityGroup(
      'VpcLinkSecurityGroup',
      'API Gateway VPC link: out to the web tasks app port only',
      false,
    );
    this.vpcLinkSecurityGroup = link;
    // Tasks reach AWS APIs, ECR and third-party services over HTTPS, so their egress stays open.
    // The description predates the HTTP API and is kept: a new one would replace the group.
    this.webSecurityGroup = this.securityGroup(
      'WebSecurityGroup',
      'Web tasks: app port from the load balancer only',
      true,
    );
    for (const [door, what] of [
      [alb, 'the load balancer'],
      [link, 'the API VPC link'],
    ] as const) {
      this.webSecurityGroup.connections.allowFrom(door, ec2.Port.tcp(props.appPort), `App port from ${what}`);
      // A rule CloudFormation writes into the group itself: the one to the web group is a separate
      // resource, which alone would leave EC2's default allow-all egress in place.
      door.addEgressRule(
        ec2.Peer.ipv4(this.vpc.vpcCidrBlock),
        ec2.Port.tcp(props.appPort),
        'App port within the VPC only (the web tasks)',
      );
    }
    this.workerSecurityGroup = this.securityGroup(
      'WorkerSecurityGroup',
      'Worker and one-off tasks: no inbound traffic',
      true,
    );

    this.databaseSecurityGroup = this.securityGroup(
      'DatabaseSecurityGroup',
      'Database: PostgreSQL from tasks only',
      false,
    );
    this.cacheSecurityGroup = this.securityGroup('CacheSecurityGroup', 'Cache: Redis protocol from tasks only', false);
    for (const [tasks, name] of [
      [this.webSecurityGroup, 'web'],
      [this.workerSecurityGroup, 'worker'],
    ] as const) {
      this.databaseSecurityGroup.connections.allowFrom(
        tasks,
        ec2.Port.tcp(DATABASE_PORT),
        `PostgreSQL from ${name} tasks`,
      );
      this.cacheSecurityGroup.connections.allowFrom(
        tasks,
        ec2.Port.tcp(CACHE_PORT),
        `Redis protocol from ${name} tasks`,
      );
    }
    if (props.cacheTask) {
      // The cache runs as a task in this group: it pulls its image, writes its logs and reads its
      // secrets over HTTPS, and keeps its data on EFS (NFS, 2049) behind a group of its own.
      this.cacheSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS out: image, logs, secrets');
      const files = this.securityGroup(
        'CacheFilesSecurityGroup',
        'Cache data (EFS): NFS from the cache task only',
        false,
      );
      files.connections.allowFrom(this.cacheSecurityGroup, ec2.Port.tcp(NFS_PORT), 'NFS from the cache task');
      this.cacheFilesSecurityGroup = files;
    }
    const throughNat = natGatewayCount(props.egress, 1) > 0;
    if (props.credentialRotation) this.rotationSecurityGroup = this.rotationGroup(throughNat);
    if (props.restoreDrill) {
      this.drillTaskSecurityGroup = this.securityGroup(
        'DrillTaskSecurityGroup',
        'Restore drill task: PostgreSQL to the restored instance, HTTPS out (image, logs, its secret)',
        false,
      );
      this.drillDatabaseSecurityGroup = this.securityGroup(
        'DrillDatabaseSecurityGroup',
        'Restored database of a drill: PostgreSQL from the drill task only',
        false,
      );
      this.drillTaskSecurityGroup.connections.allowTo(
        this.drillDatabaseSecurityGroup,
        ec2.Port.tcp(DATABASE_PORT),
        'PostgreSQL to the restored database',
      );
      this.drillTaskSecurityGroup.addEgressRule(
        ec2.Peer.anyIpv4(),
        ec2.Port.tcp(443),
        'HTTPS to ECR, CloudWatch Logs and Secrets Manager',
      );
    }
    const endpoints = this.addInterfaceEndpoints(
      props.interfaceEndpoints ?? [],
      props.credentialRotation === true && !throughNat,
    );
    this.endpointSecurityGroup = endpoints.group;
    this.interfaceEndpoints = endpoints.byName;
    this.secretsManagerEndpoint = endpoints.byName.secretsmanager;
  }

  /**
   * The rotation functions log in to the database and call the Secrets Manager API: PostgreSQL
   * to the database's group, HTTPS out, nothing in. Behind NAT, HTTPS goes anywhere (the API's
   * public name, or the listed endpoint); without NAT, only to the Secrets Manager endpoint.
   */
  private rotationGroup(throughNat: boolean): ec2.SecurityGroup {
    const rotation = this.securityGroup(
      'RotationSecurityGroup',
      'Credential rotation functions: PostgreSQL to the database, HTTPS to Secrets Manager',
      false,
    );
    rotation.connections.allowTo(this.databaseSecurityGroup, ec2.Port.tcp(DATABASE_PORT), 'PostgreSQL to the database');
    if (throughNat) {
      rotation.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the Secrets Manager API (through NAT)');
    }
    return rotation;
  }

  /**
   * The interface endpoints, in the private subnets (one per AZ), private DNS on so the SDKs find
   * them by the usual service names, behind one security group with no other ingress than HTTPS
   * from the web and worker tasks and the rotation functions.
   *
   * `rotationNeedsSecretsManager` (rotation without a NAT gateway) adds a Secrets Manager
   * endpoint when the list has none, and is the same endpoint when it has one: two endpoints of
   * one service with private DNS cannot share a VPC. Alone (an empty list) it keeps its own
   * group, which admits only the rotation functions.
   */
  private addInterfaceEndpoints(
    names: readonly InterfaceEndpointName[],
    rotationNeedsSecretsManager: boolean,
  ): { group?: ec2.SecurityGroup; byName: Partial<Record<InterfaceEndpointName, ec2.InterfaceVpcEndpoint>> } {
    const wanted = [
      ...new Set<InterfaceEndpointName>([
        ...names,
        ...(rotationNeedsSecretsManager ? ['secretsmanager' as const] : []),
      ]),
    ];
    if (wanted.length === 0) return { byName: {} };
    const rotation = this.rotationSecurityGroup;
    const group =
      names.length === 0
        ? this.securityGroup(
            'SecretsManagerEndpointSecurityGroup',
            'Secrets Manager endpoint: HTTPS from the rotation functions only',
            false,
          )
        : this.securityGroup(
            'InterfaceEndpointSecurityGroup',
            `Interface endpoints: HTTPS from web and worker tasks${rotation ? ' and the rotation functions' : ''} only`,
            false,
          );
    if (names.length > 0) {
      group.connections.allowFrom(this.webSecurityGroup, ec2.Port.tcp(443), 'HTTPS from web tasks');
      group.connections.allowFrom(this.workerSecurityGroup, ec2.Port.tcp(443), 'HTTPS from worker tasks');
      if (this.drillTaskSecurityGroup) {
        group.addIngressRule(this.drillTaskSecurityGroup, ec2.Port.tcp(443), 'HTTPS from the restore drill task');
      }
    }
    if (rotation && rotationNeedsSecretsManager) {
      // The rotation group's only HTTPS way out.
      rotation.connections.allowTo(group, ec2.Port.tcp(443), 'HTTPS to the Secrets Manager endpoint');
    } else if (rotation) {
      // Its HTTPS already goes anywhere (NAT); private DNS sends its Secrets Manager calls here.
      group.addIngressRule(rotation, ec2.Port.tcp(443), 'HTTPS from the credential rotation functions');
    }
    const byName: Partial<Record<InterfaceEndpointName, ec2.InterfaceVpcEndpoint>> = {};
    for (const name of wanted) {
      byName[name] = this.vpc.addInterfaceEndpoint(endpointId(name), {
        service: INTERFACE_ENDPOINT_SERVICE[name],
        subnets: { subnetGroupName: 'private' },
        securityGroups: [group],
        privateDnsEnabled: true,
        // No rule from the VPC's range: only the groups above.
        open: false,
      });
    }
    return { group, byName };
  }

  private securityGroup(id: string, description: string, allowAllOutbound: boolean): ec2.SecurityGroup {
    return new ec2.SecurityGroup(this, id, { vpc: this.vpc, description, allowAllOutbound });
  }
}

/** NAT gateways each egress mode creates. */
export function natGatewayCount(egress: EgressMode, zones: number): number {
  switch (egress) {
    case 'public':
      return 0;
    case 'nat-single':
      return 1;
    case 'nat-per-az':
      return zones;
  }
}
