import { CUSTOM_METRICS_TAG } from '../cost/estimator';
import { tagValue } from '../cost/rules/context';
import type { PlatformResource } from './platform-resources';

/** A resource in the synthesized templates that shows part of a seed module is built. */
export interface Evidence {
  /** What it shows, e.g. "a CloudFront distribution (AWS::CloudFront::Distribution)". */
  readonly what: string;
  readonly matches: (resource: PlatformResource) => boolean;
}

/** A module of the seed's status page: deployed there (Terraform) or planned. */
export interface SeedModule {
  readonly name: string;
  readonly seed: 'deployed' | 'planned';
  /** Its Terraform path in the seed, where it gave one. */
  readonly seedPath?: string;
  /** Built when every piece is found, partly built when some are, not built when none is. */
  readonly evidence: readonly Evidence[];
  /** Set when this platform replaces the module with something that is not a resource. */
  readonly replacedBy?: string;
  /** A short fixed remark on what the evidence cannot show. */
  readonly note?: string;
}

type Properties = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const props = (resource: PlatformResource): Properties => resource.resource.Properties ?? {};
const list = (value: unknown): Properties[] => (Array.isArray(value) ? value : []);

/** Evidence: a resource of `type` (in `module`, when given) that also passes `test`. */
function resource(
  what: string,
  type: string,
  options: { module?: string; test?: (properties: Properties, resource: PlatformResource) => boolean } = {},
): Evidence {
  const where = options.module === undefined ? type : `${type}, module ${options.module}`;
  return {
    what: `${what} (${where})`,
    matches: (candidate) =>
      candidate.type === type &&
      (options.module === undefined || candidate.module === options.module) &&
      (options.test === undefined || options.test(props(candidate), candidate)),
  };
}

const usesSpot = (p: Properties) =>
  list(p.CapacityProviderStrategy).some((item) => item.CapacityProvider === 'FARGATE_SPOT' && (item.Weight ?? 0) > 0);

/** Whether an endpoint's ServiceName (a string or a join with the region) ends with `.<service>`. */
const servesService = (p: Properties, service: string) => JSON.stringify(p.ServiceName ?? '').includes(`.${service}"`);

/** The interface endpoints the seed planned, by the service name's suffix. */
const INTERFACE_ENDPOINTS: ReadonlyArray<readonly [string, string]> = [
  ['ECR API', 'ecr.api'],
  ['ECR Docker', 'ecr.dkr'],
  ['CloudWatch Logs', 'logs'],
  ['SSM', 'ssm'],
  ['SSM Messages', 'ssmmessages'],
  ['EC2 Messages', 'ec2messages'],
];

const isStepScaling = (p: Properties) => p.PolicyType === 'StepScaling';

/**
 * Whether a service's tasks are reached by a front door: registered in a load balancer's target
 * group (`ingress: alb`), or in Cloud Map, where the HTTP API's VPC link finds them (`http-api`).
 */
const behindFrontDoor = (p: Properties) => list(p.LoadBalancers).length > 0 || list(p.ServiceRegistries).length > 0;

/**
 * The seed's modules (its "Module Inventory Summary" and "Future Modules to Create"), each with
 * what in the synthesized templates shows it built. Evidence names resource types and, where
 * the type alone says too little, the `module` tag a construct of `src/modules/` puts on it.
 */
export const SEED_MODULES: readonly SeedModule[] = [
  {
    name: 'CodePipeline',
    seed: 'deployed',
    seedPath: 'modules/codepipeline/',
    evidence: [
      resource('a GitHub connection', 'AWS::CodeStarConnections::Connection'),
      resource('a release pipeline', 'AWS::CodePipeline::Pipeline'),
      resource('CodeBuild image builds', 'AWS::CodeBuild::Project'),
      resource('web and worker deployed in parallel (two ECS actions in one stage)', 'AWS::CodePipeline::Pipeline', {
        test: (p) =>
          list(p.Stages).some(
            (stage) => list(stage.Actions).filter((action) => action.ActionTypeId?.Provider === 'ECS').length >= 2,
          ),
      }),
    ],
  },
  {
    name: 'Networking',
    seed: 'deployed',
    seedPath: 'modules/networking/',
    evidence: [
      resource('a VPC', 'AWS::EC2::VPC'),
      resource('subnets', 'AWS::EC2::Subnet'),
      resource('an internet gateway', 'AWS::EC2::InternetGateway'),
      resource('security groups', 'AWS::EC2::SecurityGroup'),
    ],
  },
  {
    name: 'Application Load Balancer',
    seed: 'deployed',
    seedPath: 'modules/alb/',
    evidence: [
      resource('an internet-facing load balancer', 'AWS::ElasticLoadBalancingV2::LoadBalancer', {
        test: (p) => p.Scheme === 'internet-facing',
      }),
      resource('a target group checked on /health/', 'AWS::ElasticLoadBalancingV2::TargetGroup', {
        test: (p) => p.HealthCheckPath === '/health/',
      }),
      resource('alarms', 'AWS::CloudWatch::Alarm', { module: 'load-balancer' }),
    ],
  },
  {
    name: 'ECS Cluster',
    seed: 'deployed',
    seedPath: 'modules/ecs-cluster/',
    evidence: [
      resource('a cluster', 'AWS::ECS::Cluster'),
      resource('Fargate capacity providers', 'AWS::ECS::ClusterCapacityProviderAssociations'),
      resource('a log group', 'AWS::Logs::LogGroup', { module: 'ecs-cluster' }),
    ],
  },
  {
    name: 'ECS Task Definition',
    seed: 'deployed',
    seedPath: 'modules/ecs-task-definition/',
    evidence: [
      resource('a task definition with a PgBouncer sidecar', 'AWS::ECS::TaskDefinition', {
        test: (p) => list(p.ContainerDefinitions).some((container) => container.Name === 'pgbouncer'),
      }),
    ],
  },
  {
    name: 'ECS Service',
    seed: 'deployed',
    seedPath: 'modules/ecs-service/',
    evidence: [
      resource(
        'a web service behind the front door (a target group, or Cloud Map for the HTTP API) with the circuit breaker',
        'AWS::ECS::Service',
        {
          module: 'web-service',
          test: (p) => behindFrontDoor(p) && p.DeploymentConfiguration?.DeploymentCircuitBreaker?.Enable === true,
        },
      ),
      resource('auto scaling', 'AWS::ApplicationAutoScaling::ScalableTarget', { module: 'web-service' }),
    ],
  },
  {
    name: 'ECS Worker',
    seed: 'deployed',
    seedPath: 'modules/ecs-worker/',
    evidence: [
      // By its module, not by the missing load balancer: behind the HTTP API, web has none either.
      resource('a worker service no front door reaches', 'AWS::ECS::Service', {
        module: 'worker-service',
        test: (p) => !behindFrontDoor(p),
      }),
      resource('step scaling on the queue', 'AWS::ApplicationAutoScaling::ScalingPolicy', {
        module: 'worker-service',
        test: isStepScaling,
      }),
      resource('a Lambda publishing queue metrics', 'AWS::Lambda::Function', {
        module: 'queue-metrics',
        test: (_p, r) => tagValue(r.resource, CUSTOM_METRICS_TAG) !== undefined,
      }),
    ],
  },
  {
    name: 'RDS PostgreSQL',
    seed: 'deployed',
    seedPath: 'modules/rds/',
    evidence: [
      resource('a PostgreSQL instance with automated backups', 'AWS::RDS::DBInstance', {
        test: (p) => p.Engine === 'postgres' && Number(p.BackupRetentionPeriod ?? 0) > 0,
      }),
      resource('a parameter group', 'AWS::RDS::DBParameterGroup'),
      resource('Parameter Store connection parameters', 'AWS::SSM::Parameter', { module: 'parameters' }),
    ],
  },
  {
    name: 'ElastiCache Redis',
    seed: 'deployed',
    seedPath: 'modules/elasticache/',
    evidence: [resource('a replication group', 'AWS::ElastiCache::ReplicationGroup')],
    note: "An environment with `cache.hosting: 'task'` has no replication group: Valkey runs there as an ECS service of the `cache` module (its resources are in the `cache` table above), stopped with the environment.",
  },
  {
    name: 'Route53',
    seed: 'deployed',
    seedPath: 'modules/route53/',
    evidence: [
      resource('a hosted zone', 'AWS::Route53::HostedZone'),
      resource('a DNS-validated certificate', 'AWS::CertificateManager::Certificate', {
        test: (p) => p.ValidationMethod === 'DNS',
      }),
      resource('an alias record for the API', 'AWS::Route53::RecordSet', { test: (p) => p.AliasTarget !== undefined }),
      resource('a frontend CNAME', 'AWS::Route53::RecordSet', { test: (p) => p.Type === 'CNAME' }),
    ],
  },
  {
    name: 'Terraform Backend',
    seed: 'deployed',
    seedPath: 'modules/terraform-backend/',
    evidence: [],
    replacedBy: 'CloudFormation replaces it (no resource)',
    note: "CloudFormation keeps each stack's state and serializes its updates itself.",
  },
  {
    name: 'S3 static/media storage',
    seed: 'planned',
    seedPath: 'modules/s3/',
    evidence: [resource('a media bucket', 'AWS::S3::Bucket', { module: 'storage' })],
  },
  {
    name: 'CloudFront CDN',
    seed: 'planned',
    evidence: [resource('a distribution', 'AWS::CloudFront::Distribution')],
  },
  {
    name: 'VPC endpoints',
    seed: 'planned',
    evidence: [
      resource('an S3 gateway endpoint', 'AWS::EC2::VPCEndpoint', {
        test: (p) => (p.VpcEndpointType ?? 'Gateway') === 'Gateway' && servesService(p, 's3'),
      }),
      ...INTERFACE_ENDPOINTS.map(([label, service]) =>
        resource(`an interface endpoint for ${label}`, 'AWS::EC2::VPCEndpoint', {
          test: (p) => p.VpcEndpointType === 'Interface' && servesService(p, service),
        }),
      ),
    ],
  },
  {
    name: 'Backup',
    seed: 'planned',
    evidence: [
      resource('a backup plan', 'AWS::Backup::BackupPlan'),
      resource('a backup vault', 'AWS::Backup::BackupVault'),
      resource('copies to another region', 'AWS::Backup::BackupPlan', {
        test: (p) =>
          (p.BackupPlan?.BackupPlanRule ?? []).some(
            (rule: { CopyActions?: unknown[] }) => (rule.CopyActions ?? []).length > 0,
          ),
      }),
      resource('the media bucket replicated to another region', 'AWS::S3::Bucket', {
        test: (p) => p.ReplicationConfiguration !== undefined,
      }),
      resource('a monthly restore drill', 'AWS::StepFunctions::StateMachine'),
    ],
    note: 'RDS automated backups belong to the RDS module and do not count here. The seed\'s "EBS volume snapshots" has nothing to apply to: Fargate tasks have no EBS volume.',
  },
  {
    name: 'Monitoring & alerting',
    seed: 'planned',
    evidence: [
      resource('a dashboard', 'AWS::CloudWatch::Dashboard'),
      resource('an alert topic', 'AWS::SNS::Topic'),
      resource('alarms', 'AWS::CloudWatch::Alarm'),
      resource('a Lambda publishing custom metrics', 'AWS::Lambda::Function', {
        test: (_p, r) => tagValue(r.resource, CUSTOM_METRICS_TAG) !== undefined,
      }),
    ],
  },
  {
    name: 'WAF',
    seed: 'planned',
    evidence: [resource('a web ACL', 'AWS::WAFv2::WebACL')],
  },
  {
    name: 'Secrets rotation',
    seed: 'planned',
    evidence: [resource('a rotation schedule', 'AWS::SecretsManager::RotationSchedule')],
  },
  {
    name: 'Auto-scaling enhancements',
    seed: 'planned',
    evidence: [
      resource('scheduled scaling actions', 'AWS::ApplicationAutoScaling::ScalableTarget', {
        test: (p) => list(p.ScheduledActions).length > 0,
      }),
      resource("step scaling beyond the worker's", 'AWS::ApplicationAutoScaling::ScalingPolicy', {
        test: (p, r) => isStepScaling(p) && r.module !== 'worker-service',
      }),
      resource('predictive scaling', 'AWS::ApplicationAutoScaling::ScalingPolicy', {
        test: (p) => p.PolicyType === 'PredictiveScaling',
      }),
    ],
    note: "The web service's target tracking and the worker's backlog scaling are the seed's ECS modules; the pause/resume schedule stops tasks, it does not scale them.",
  },
  {
    name: 'Cost optimization',
    seed: 'planned',
    evidence: [
      resource("Fargate Spot in a service's capacity strategy", 'AWS::ECS::Service', { test: usesSpot }),
      {
        what: 'the `environment` cost allocation tag (any taggable resource)',
        matches: (r) => tagValue(r.resource, 'environment') !== undefined,
      },
      resource('a monthly budget', 'AWS::Budgets::Budget'),
      resource('lifecycle rules expiring unused images', 'AWS::ECR::Repository', {
        test: (p) => p.LifecyclePolicy?.LifecyclePolicyText !== undefined,
      }),
    ],
    note: 'Activating the cost allocation tag in Billing and reserved capacity are account actions no template shows.',
  },
];

export type SeedStatus = 'built' | 'partly built' | 'not built' | 'replaced';

/** Where one piece of evidence was found. */
export interface EvidenceFinding {
  readonly what: string;
  readonly environments: readonly string[];
  readonly modules: readonly string[];
}

export interface SeedModuleStatus {
  readonly module: SeedModule;
  readonly status: SeedStatus;
  readonly findings: readonly EvidenceFinding[];
}

const unique = (values: readonly string[]) => [...new Set(values)];

/** Each seed module's status, computed from the resources of the synthesized templates. */
export function seedModuleStatus(
  resources: readonly PlatformResource[],
  modules: readonly SeedModule[] = SEED_MODULES,
): SeedModuleStatus[] {
  return modules.map((module) => {
    const findings = module.evidence.map((evidence) => {
      const matched = resources.filter(evidence.matches);
      return {
        what: evidence.what,
        environments: unique(matched.map((r) => r.environment)),
        modules: unique(matched.map((r) => r.module)).sort(),
      };
    });
    const found = findings.filter((finding) => finding.environments.length > 0).length;
    const status: SeedStatus =
      module.replacedBy !== undefined
        ? 'replaced'
        : found === 0
          ? 'not built'
          : found === findings.length
            ? 'built'
            : 'partly built';
    return { module, status, findings };
  });
}
