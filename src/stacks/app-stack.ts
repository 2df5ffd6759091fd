import * as path from 'node:path';
import { CfnOutput, Tags } from 'aws-cdk-lib';
import { RestoreDrill } from '../modules/backup/restore-drill';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { imageRepositoryName, ingressOf } from '../config';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { acknowledgeFindings } from '../quality/acknowledge';
import type { AppRuntime } from '../modules/app-task/app-task';
import { ApiDomain } from '../modules/dns/api-domain';
import { sharedImageRepository } from '../modules/images/shared-repository';
import { DatabaseAccess } from '../modules/database-access/database-access';
import { EcsCluster } from '../modules/ecs-cluster/ecs-cluster';
import { CACHE_MAXMEMORY_SHARE, CacheService } from '../modules/cache/cache-service';
import { HttpApiIngress } from '../modules/http-api/http-api';
import { LoadBalancer } from '../modules/load-balancer/load-balancer';
import { MigrateTask } from '../modules/migrate-task/migrate-task';
import { cacheClusterIds, EnvironmentMonitoring, monitoringSettings } from '../modules/monitoring/monitoring';
import { MEDIA_PREFIX, STATIC_PREFIX } from '../modules/storage/media-storage';
import {
  applicationSecretParameter,
  hostedZoneIdParameter,
  releaseImageParameter,
} from '../modules/parameters/parameter-names';
import { QueueMetrics } from '../modules/queue-metrics/queue-metrics';
import { EnvironmentSchedule } from '../modules/schedule/environment-schedule';
import { STACK_OUTPUTS, dnsDelegationRoleName, environmentName, stateTableName } from '../ops/contracts';
import { configuredCapacity } from '../ops/resources';
import { WebService } from '../modules/web-service/web-service';
import { LoadBalancerFirewall } from '../modules/waf/web-acl';
import { WorkerService } from '../modules/worker-service/worker-service';
import type { DataStack } from './data-stack';
import type { NetworkStack } from './network-stack';
import type { OpsStack } from './ops-stack';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** The PgBouncer image's build context (see docker/pgbouncer/Dockerfile). */
export const PGBOUNCER_DOCKERFILE_DIR = path.join(__dirname, '..', '..', 'docker', 'pgbouncer');
/** The cache image's build context (docker/cache: Valkey and stunnel). */
export const CACHE_DOCKERFILE_DIR = path.join(__dirname, '..', '..', 'docker', 'cache');

export interface AppStackProps extends PlatformStackProps {
  /**
   * The environment's configuration: state (`minimal` builds only the cluster and the API's
   * certificate), API host, compute, deletion protection, application secrets, schedule and log
   * retention. The prices of what it builds are on the modules' props (`LoadBalancerProps`,
   * `WebServiceProps`, `AppTaskProps`, `QueueMetricsProps`).
   */
  readonly config: EnvironmentConfig;
  /**
   * Configuration shared by every environment: the app name (names, log prefix, parameter paths,
   * the image repository, the metric namespace) and the domain.
   */
  readonly shared: SharedConfig;
  /** The network stack: VPC, task subnets and the security groups, used as they are. */
  readonly network: NetworkStack;
  /** The data stack: database, cache, the guard's bounds token and the access-log bucket. */
  readonly data: DataStack;
  /** The ops stack: alarms go to its alert topic. */
  readonly ops: OpsStack;
  /** This deploy creates the services: they start at zero tasks (no image is released yet). */
  readonly firstDeploy: boolean;
}

/**
 * The stateless application stack: the API's certificate and record, the ECS cluster, and, in
 * the `running` and `paused` states, the load balancer, the web and worker services, the
 * migrate task and the queue-backlog publisher. `paused` keeps them at zero tasks; `minimal`
 * drops all but the cluster and the certificate.
 */
export class AppStack extends PlatformStack {
  public readonly apiDomain: ApiDomain;
  public readonly cluster: EcsCluster;
  /** The ALB (`ingress: alb`). */
  public readonly loadBalancer?: LoadBalancer;
  /** The HTTP API, its VPC link and Cloud Map namespace (`ingress: http-api`). */
  public readonly httpApi?: HttpApiIngress;
  /** The cache as a task (`cache.hosting: task`). */
  public readonly cacheService?: CacheService;
  public readonly web?: WebService;
  public readonly worker?: WorkerService;
  public readonly migrate?: MigrateTask;
  public readonly queueMetrics?: QueueMetrics;
  /** The web ACL on the load balancer, with `waf.enabled`. */
  public readonly firewall?: LoadBalancerFirewall;
  /** Alarms to the ops topic and the dashboard (not while `minimal`). */
  public readonly monitoring?: EnvironmentMonitoring;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { config, shared } = props;
    const networking = props.network.networking;
    const name = environmentName(shared.appName, config.name);
    const logPrefix = `/${shared.appName}/${config.name}`;

    this.apiDomain = new ApiDomain(this, 'ApiDomain', {
      apiHost: config.apiHost,
      domain: shared.domain,
      zoneIdParameterName: hostedZoneIdParameter(shared.appName),
      // In another account than the shared zone: a zone of its own, delegated by the shared account.
      delegation:
        config.account === shared.account
          ? undefined
          : {
              roleArn: this.formatArn({
                service: 'iam',
                region: '',
                account: shared.account,
                resource: 'role',
                resourceName: dnsDelegationRoleName(shared.appName, config.name),
              }),
              parentZoneId: shared.hostedZone.mode === 'adopt' ? shared.hostedZone.id : undefined,
            },
    });
    this.cluster = new EcsCluster(this, 'EcsCluster', {
      vpc: networking.vpc,
      clusterName: name,
      containerInsights: config.compute.containerInsights,
      logRetentionDays: config.logRetentionDays,
    });
    new CfnOutput(this, STACK_OUTPUTS.app.clusterName, { value: this.cluster.cluster.clusterName });
    new CfnOutput(this, STACK_OUTPUTS.app.apiUrl, { value: `https://${config.apiHost}/` });

    const cache = props.data.cache;
    const cacheTask = props.data.cacheTask;
    if (config.state === 'minimal' || (!cache && !cacheTask)) return;
    const cacheSecrets = (cache ?? cacheTask)!;

    // Groups come from the network stack and are used as they are: every rule lives there.
    const group = (groupId: string, source: ec2.ISecurityGroup) =>
      ec2.SecurityGroup.fromSecurityGroupId(this, groupId, source.securityGroupId, {
        mutable: false,
        allowAllOutbound: true,
      });
    const webGroup = group('WebGroup', networking.webSecurityGroup);
    const workerGroup = group('WorkerGroup', networking.workerSecurityGroup);

    const ingress = ingressOf(config);
    // The tasks' private names (Route 53 private zone `<name>.internal`, 0.50 USD/month): the web
    // tasks for the HTTP API's VPC link, the cache task for its clients.
    const namespace =
      ingress.kind === 'http-api' || cacheTask
        ? new servicediscovery.PrivateDnsNamespace(this, 'Namespace', {
            name: `${name}.internal`,
            vpc: networking.vpc,
            description: `${name}: private names of its tasks (web for the HTTP API, the cache task)`,
          })
        : undefined;
    if (namespace) Tags.of(namespace).add('module', 'service-discovery');
    if (ingress.kind === 'alb') {
      this.loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
        vpc: networking.vpc,
        securityGroup: group('AlbGroup', networking.albSecurityGroup),
        certificate: this.apiDomain.certificate,
        appPort: config.compute.appPort,
        deletionProtection: config.deletionProtection,
        accessLogBucket: props.data.accessLogBucket,
        alarmTopic: props.ops.alerts.topic,
        name,
      });
      this.apiDomain.pointAt(this.loadBalancer.loadBalancer);
      if (config.waf?.enabled) {
        this.firewall = new LoadBalancerFirewall(this, 'Firewall', {
          name,
          config: config.waf,
          loadBalancerArn: this.loadBalancer.loadBalancer.loadBalancerArn,
        });
      }
    } else {
      this.httpApi = new HttpApiIngress(this, 'HttpApi', {
        vpc: networking.vpc,
        subnets: networking.taskSubnets,
        securityGroup: group('VpcLinkGroup', networking.vpcLinkSecurityGroup),
        apiHost: config.apiHost,
        namespace: namespace!,
        certificate: this.apiDomain.certificate,
        throttle: ingress.throttle,
        logRetentionDays: config.logRetentionDays,
        alarmTopic: props.ops.alerts.topic,
        name,
      });
      this.apiDomain.pointAtApi(this.httpApi.domainName);
    }

    const platform =
      config.compute.architecture === 'arm64' ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64;
    const cacheImage = cacheTask ? ecs.ContainerImage.fromAsset(CACHE_DOCKERFILE_DIR, { platform }) : undefined;
    const database = props.data.database;
    const secretParameter = (variable: string) =>
      ssm.StringParameter.fromSecureStringParameterAttributes(this, `Secret${variable}`, {
        parameterName: applicationSecretParameter(shared.appName, config.name, variable),
      });
    const runtime: AppRuntime = {
      image: ecs.ContainerImage.fromRegistry(
        ssm.StringParameter.valueForStringParameter(this, releaseImageParameter(shared.appName, config.name)),
      ),
      pgbouncerImage: ecs.ContainerImage.fromAsset(PGBOUNCER_DOCKERFILE_DIR, { platform }),
      architecture: config.compute.architecture,
      tracing: config.compute.tracing?.enabled
        ? {
            samplingPercent: config.compute.tracing.samplingPercent,
            environmentName: config.name,
            appName: shared.appName,
          }
        : undefined,
      environment: {
        ENVIRONMENT: config.name,
        ALLOWED_HOSTS: config.apiHost,
        // A task cache is reached through the task's own tunnel sidecar (TLS leaves the task there).
        REDIS_HOST: cacheTask ? '127.0.0.1' : cache!.host,
        REDIS_PORT: String(cacheSecrets.port),
        REDIS_TLS: cacheTask ? 'false' : String(cache!.tls),
        DRAMATIQ_QUEUES: config.compute.worker.queues.join(','),
        ...storageEnvironment(props.data, config),
        ...config.compute.environment,
      },
      secrets: {
        // The application's data-only role (rotated with alternating users), never the master.
        DATABASE_USER: ecs.Secret.fromSecretsManager(database.applicationSecret, 'username'),
        DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(database.applicationSecret, 'password'),
        REDIS_PASSWORD: ecs.Secret.fromSecretsManager(cacheSecrets.authToken, 'token'),
        ...Object.fromEntries(
          config.applicationSecrets.map((variable) => [
            variable,
            ecs.Secret.fromSsmParameter(secretParameter(variable)),
          ]),
        ),
      },
      database: {
        host: database.requireInstance('the services').dbInstanceEndpointAddress,
        port: database.port,
        name: database.databaseName,
        username: ecs.Secret.fromSecretsManager(database.applicationSecret, 'username'),
        password: ecs.Secret.fromSecretsManager(database.applicationSecret, 'password'),
      },
      pgbouncer: config.compute.pgbouncer,
      logRetentionDays: config.logRetentionDays,
      appReadOnlyRootFilesystem: config.compute.appReadOnlyRootFilesystem,
      cacheTunnel: cacheTask
        ? {
            image: cacheImage!,
            host: cacheTask.host,
            psk: ecs.Secret.fromSecretsManager(cacheTask.tunnelKey, 'psk'),
          }
        : undefined,
    };

    const boundsServiceToken = props.data.guard.serviceToken;
    const firstDeploy = props.firstDeploy;
    const placement = {
      subnets: networking.taskSubnets,
      assignPublicIp: networking.assignPublicIp,
      ecsExec: config.compute.ecsExec,
    };
    if (cacheTask) {
      this.cacheService = new CacheService(this, 'CacheService', {
        cluster: this.cluster.cluster,
        image: cacheImage!,
        architecture: config.compute.architecture,
        config: config.cache.task!,
        storage: cacheTask,
        namespace: namespace!,
        boundsServiceToken,
        firstDeploy,
        subnets: networking.taskSubnets,
        assignPublicIp: networking.assignPublicIp,
        securityGroup: group('CacheGroup', networking.cacheSecurityGroup),
        name,
        logPrefix,
        logRetentionDays: config.logRetentionDays,
      });
      new CfnOutput(this, STACK_OUTPUTS.app.cacheServiceName, { value: this.cacheService.service.serviceName });
    }
    this.web = new WebService(this, 'WebService', {
      cluster: this.cluster.cluster,
      runtime,
      config: config.compute.web,
      timezone: config.compute.timezone ?? config.schedule?.timezone ?? 'UTC',
      appPort: config.compute.appPort,
      boundsServiceToken,
      firstDeploy,
      ...placement,
      securityGroup: webGroup,
      targetGroup: this.loadBalancer?.targetGroup,
      discovery: this.httpApi?.namespace,
      name,
      logPrefix,
    });
    if (this.httpApi && this.web.discoveryService) this.httpApi.routeTo(this.web.discoveryService);
    // The cache's name must exist before the first web task starts (its tunnel connects to it).
    if (this.cacheService) this.web.service.node.addDependency(this.cacheService.service);

    this.queueMetrics = new QueueMetrics(this, 'QueueMetrics', {
      vpc: networking.vpc,
      subnets: { subnetGroupName: 'private' },
      securityGroup: workerGroup,
      cache,
      tunnel: cacheTask
        ? { host: cacheTask.host, pskSecret: cacheTask.tunnelKey, passwordSecret: cacheTask.authToken }
        : undefined,
      queues: config.compute.worker.queues,
      environmentName: config.name,
      namespace: shared.appName,
      logRetentionDays: config.logRetentionDays,
    });
    this.worker = new WorkerService(this, 'WorkerService', {
      cluster: this.cluster.cluster,
      runtime,
      config: config.compute.worker,
      timezone: config.compute.timezone ?? config.schedule?.timezone ?? 'UTC',
      boundsServiceToken,
      firstDeploy,
      ...placement,
      securityGroup: workerGroup,
      backlog: this.queueMetrics.backlog,
      name,
      logPrefix,
    });
    if (this.cacheService) this.worker.service.node.addDependency(this.cacheService.service);
    this.migrate = new MigrateTask(this, 'MigrateTask', {
      runtime,
      command: config.compute.migrateCommand,
      cpu: config.compute.worker.cpu,
      memoryMiB: config.compute.worker.memoryMiB,
      logPrefix,
      taskRole: this.worker.task.taskDefinition.taskRole,
      executionRole: this.worker.task.taskDefinition.obtainExecutionRole(),
      // Migrations run as the owner of the schema's tables.
      databaseCredentials: {
        username: ecs.Secret.fromSecretsManager(database.ownerSecret, 'username'),
        password: ecs.Secret.fromSecretsManager(database.ownerSecret, 'password'),
      },
    });
    const databaseAccess = new DatabaseAccess(this, 'DatabaseAccess', {
      name,
      environmentName: config.name,
      database,
      databaseId: name,
      clusterName: name,
      subnetIds: networking.vpc.selectSubnets(networking.taskSubnets).subnetIds,
      securityGroup: workerGroup,
      assignPublicIp: networking.assignPublicIp,
      architecture: config.compute.architecture,
      logPrefix,
      logRetentionDays: config.logRetentionDays,
      services: [
        { name: `${name}-web`, service: this.web.service },
        { name: `${name}-worker`, service: this.worker.service },
      ],
    });
    // The task runs in the cluster, which the resource names by its fixed name only.
    databaseAccess.roles.node.addDependency(this.cluster.cluster);

    if (config.backup?.enabled && networking.drillTaskSecurityGroup && networking.drillDatabaseSecurityGroup) {
      new RestoreDrill(this, 'RestoreDrill', {
        name,
        appName: shared.appName,
        environmentName: config.name,
        databaseId: name,
        instanceClass: config.backup.drill.instanceClass,
        clusterName: name,
        subnetIds: networking.vpc.selectSubnets(networking.taskSubnets).subnetIds,
        taskSecurityGroup: networking.drillTaskSecurityGroup,
        databaseSecurityGroup: networking.drillDatabaseSecurityGroup,
        assignPublicIp: networking.assignPublicIp,
        architecture: config.compute.architecture,
        logPrefix,
        logRetentionDays: config.logRetentionDays,
        monthly: config.backup.drill.monthly,
        alarmTopic: props.ops.alerts.topic,
      });
    }

    // Uploads and static files: web reads and writes media/, reads static/; the worker's role,
    // which the migrate task runs with, may also write static/ (collectstatic).
    props.data.storage?.grantApplication(this.web.task.taskDefinition.taskRole, { writeStatic: false });
    props.data.storage?.grantApplication(this.worker.task.taskDefinition.taskRole, { writeStatic: true });

    // The image comes from the shared repository by URI, so pulling it needs an explicit grant.
    const { repository } = sharedImageRepository(this, 'Repository', imageRepositoryName(shared), shared.account);
    for (const task of [this.web.task, this.worker.task]) {
      repository.grantPull(task.taskDefinition.obtainExecutionRole());
      acknowledgeFindings(
        task.taskDefinition,
        'AwsSolutions::AwsSolutions-IAM5',
        ['Resource::*'],
        'Only actions without resource-level permissions use "*": ecr:GetAuthorizationToken (execution role), and ECS Exec\'s ssmmessages channel and logs:DescribeLogGroups (task role); every other grant names its log group, secret, parameter or repository',
      );
      acknowledgeFindings(
        task.taskDefinition,
        'AwsSolutions::AwsSolutions-IAM5',
        [this.cluster.execLogStreamsFinding],
        "ECS Exec writes each session to a new stream of the cluster's exec log group: the grant is that one group's streams",
      );
    }

    let schedule: EnvironmentSchedule | undefined;
    if (config.schedule) {
      schedule = new EnvironmentSchedule(this, 'Schedule', {
        appName: shared.appName,
        environmentName: config.name,
        schedule: config.schedule,
        databaseId: name,
        clusterName: name,
        webServiceName: this.web.service.serviceName,
        workerServiceName: this.worker.service.serviceName,
        cacheServiceName: this.cacheService?.service.serviceName,
        serviceArns: [
          this.web.service.serviceArn,
          this.worker.service.serviceArn,
          ...(this.cacheService ? [this.cacheService.service.serviceArn] : []),
        ],
        targetGroupArn: this.loadBalancer?.targetGroup.targetGroupArn,
        vpcLinkId: this.httpApi?.vpcLink.vpcLinkId,
        apiUrl: `https://${config.apiHost}/`,
        migrateFamily: this.migrate.task.taskDefinition.family,
        // The pipeline stack is deployed after this one: its name is known, not referenced.
        pipelineName: name,
        stateTableName: stateTableName(shared.appName, config.name),
        configured: configuredCapacity(config),
        metricNamespace: shared.appName,
        logRetentionDays: config.logRetentionDays,
      });
    }

    this.monitoring = new EnvironmentMonitoring(this, 'Monitoring', {
      name,
      settings: monitoringSettings(config.monitoring),
      topic: props.ops.alerts.topic,
      // The data stack names the instance `name` (as DatabaseAccess's databaseId).
      database: { identifier: name, maxConnections: database.maxConnections },
      cacheClusterIds: cache ? cacheClusterIds(cache.replicationGroupId, config.cache.nodes) : [],
      cacheTask: this.cacheService
        ? { service: this.cacheService.service, maxmemoryShare: CACHE_MAXMEMORY_SHARE }
        : undefined,
      webService: this.web.service,
      workerService: this.worker.service,
      webMinTasks: config.compute.web.minTasks,
      containerInsights: config.compute.containerInsights,
      ingress: this.loadBalancer
        ? { kind: 'alb', loadBalancer: this.loadBalancer.loadBalancer, targetGroup: this.loadBalancer.targetGroup }
        : { kind: 'http-api', apiId: this.httpApi!.api.apiId },
      functions: [
        { label: 'queue-depth', function: this.queueMetrics.function },
        { label: 'database-access', function: databaseAccess.function.function },
        ...(schedule ? [{ label: 'schedule', function: schedule.ops.function }] : []),
      ],
      backlog: this.queueMetrics.backlog,
    });

    new CfnOutput(this, STACK_OUTPUTS.app.webServiceName, { value: this.web.service.serviceName });
    new CfnOutput(this, STACK_OUTPUTS.app.workerServiceName, { value: this.worker.service.serviceName });
    new CfnOutput(this, STACK_OUTPUTS.app.migrateTaskDefinition, { value: this.migrate.task.taskDefinition.family });
    if (this.loadBalancer) {
      new CfnOutput(this, STACK_OUTPUTS.app.loadBalancerDnsName, {
        value: this.loadBalancer.loadBalancer.loadBalancerDnsName,
      });
      new CfnOutput(this, STACK_OUTPUTS.app.webTargetGroupArn, {
        value: this.loadBalancer.targetGroup.targetGroupArn,
      });
    }
    if (this.httpApi) {
      new CfnOutput(this, STACK_OUTPUTS.app.vpcLinkId, { value: this.httpApi.vpcLink.vpcLinkId });
      new CfnOutput(this, STACK_OUTPUTS.app.httpApiId, { value: this.httpApi.api.apiId });
    }
  }
}

/**
 * What the application needs to store files (django-storages' S3 backend): the bucket, its
 * region, the two locations, and the CDN host the URLs should use. Empty without `storage`.
 */
export function storageEnvironment(data: DataStack, config: EnvironmentConfig): Record<string, string> {
  if (!data.storage) return {};
  return {
    STORAGE_BUCKET: data.storage.bucket.bucketName,
    STORAGE_REGION: config.region,
    STORAGE_STATIC_LOCATION: STATIC_PREFIX.replace(/\/$/, ''),
    STORAGE_MEDIA_LOCATION: MEDIA_PREFIX.replace(/\/$/, ''),
    ...(data.cdn && config.cdn ? { CDN_HOST: config.cdn.host } : {}),
  };
}
