import {
  CACHE_NODE_MEMORY_GIB,
  fargateMemoryOptions,
  LOG_RETENTION_DAYS,
  maxConnectionsFor,
  RDS_INSTANCE_MEMORY_GIB,
  REGION_AZ_LETTERS,
} from './aws-catalog';
import { cidrContains, cidrsOverlap, formatCidr, networkAddress, parseCidr, PRIVATE_RANGES } from './cidr';
import { planFits, planSubnets, SUBNET_TIERS } from './subnet-plan';
import {
  CACHE_ENGINES,
  CPU_ARCHITECTURES,
  EGRESS_MODES,
  DEPLOYED_STRUCTURES,
  type EnvironmentConfig,
  type PlatformConfig,
  type ServiceConfig,
  type SharedConfig,
} from './types';

/** One thing wrong with the configuration: where, what, and how to fix it. */
export interface ConfigIssue {
  /** Dotted path of the field, e.g. `prod.database.instanceClass`. */
  readonly field: string;
  readonly message: string;
}

/** Thrown before any construct is built when the configuration is invalid; one line per issue. */
export class ConfigValidationError extends Error {
  constructor(public readonly issues: readonly ConfigIssue[]) {
    super(issues.map((issue) => `config error in ${issue.field}: ${issue.message}`).join('\n'));
    this.name = 'ConfigValidationError';
  }
}

/** Collects issues while walking the configuration. */
class IssueCollector {
  readonly issues: ConfigIssue[] = [];

  add(field: string, message: string): void {
    this.issues.push({ field, message });
  }

  /** Adds an issue when `value` is not one of `allowed`, suggesting the nearest allowed value. */
  oneOf(field: string, value: unknown, allowed: readonly string[], what: string): boolean {
    if (typeof value === 'string' && allowed.includes(value)) return true;
    const suggestion = typeof value === 'string' ? nearest(value, allowed) : undefined;
    const fix = suggestion ? `did you mean "${suggestion}"?` : `use one of: ${allowed.join(', ')}`;
    this.add(field, `${JSON.stringify(value)} is not ${what} (${fix})`);
    return false;
  }

  integerIn(field: string, value: unknown, min: number, max: number, why = ''): boolean {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return true;
    this.add(field, `${JSON.stringify(value)} is out of range (use a whole number from ${min} to ${max}${why})`);
    return false;
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}

function nearest(value: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(value.length / 4)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME_PATTERN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);
const LABEL_PATTERN = new RegExp(`^${LABEL}$`);
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,14}[a-z0-9]$/;

export function isHostname(value: string): boolean {
  return HOSTNAME_PATTERN.test(value);
}

function validateShared(shared: SharedConfig, issues: IssueCollector): void {
  if (!/^\d{12}$/.test(shared.account)) {
    issues.add(
      'shared.account',
      `${JSON.stringify(shared.account)} is not an AWS account id (use the 12 digits, or set BOOKING_ACCOUNT)`,
    );
  }
  if (issues.oneOf('shared.region', shared.region, Object.keys(REGION_AZ_LETTERS), 'a known AWS region')) {
    const zones = [...REGION_AZ_LETTERS[shared.region]].map((letter) => `${shared.region}${letter}`);
    shared.availabilityZones.forEach((zone, index) =>
      issues.oneOf(`shared.availabilityZones[${index}]`, zone, zones, `an availability zone of ${shared.region}`),
    );
  }
  if (shared.hostedZone.mode === 'adopt' && !/^Z[A-Z0-9]{1,31}$/.test(shared.hostedZone.id)) {
    issues.add(
      'shared.hostedZone.id',
      `${JSON.stringify(shared.hostedZone.id)} is not a Route 53 hosted zone id (e.g. "Z0123456789ABCDEFGHIJ")`,
    );
  }
  for (const key of ['owner', 'repository'] as const) {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(shared.source[key])) {
      issues.add(
        `shared.source.${key}`,
        `${JSON.stringify(shared.source[key])} is not a GitHub ${key} name (letters, digits, - _ .)`,
      );
    }
  }
  shared.caaIssuers.forEach((issuer, index) => {
    if (!isHostname(issuer))
      issues.add(`shared.caaIssuers[${index}]`, `${JSON.stringify(issuer)} is not a CA domain (e.g. "amazon.com")`);
  });
  if (!NAME_PATTERN.test(shared.appName)) {
    issues.add(
      'shared.appName',
      `${JSON.stringify(shared.appName)} is not a valid name (use 2-16 lowercase letters, digits or hyphens, starting with a letter)`,
    );
  }
  if (!isHostname(shared.domain)) {
    issues.add(
      'shared.domain',
      `${JSON.stringify(shared.domain)} is not a valid domain name (use lowercase labels separated by dots, e.g. "lichnails.co.uk")`,
    );
  }
  const seen = new Set<string>();
  shared.frontendRecords.forEach((record, index) => {
    const field = `shared.frontendRecords[${index}]`;
    if (!LABEL_PATTERN.test(record.name)) {
      issues.add(
        `${field}.name`,
        `${JSON.stringify(record.name)} is not a valid DNS label (use lowercase letters, digits and inner hyphens, e.g. "usa-berko")`,
      );
    }
    if (seen.has(record.name)) {
      issues.add(`${field}.name`, `"${record.name}" is listed twice (keep one record per name)`);
    }
    seen.add(record.name);
    if (!isHostname(record.target)) {
      issues.add(
        `${field}.target`,
        `${JSON.stringify(record.target)} is not a valid CNAME target (use a host name such as "cname.vercel-dns.com", without scheme or path)`,
      );
    }
  });
}

function validateEnvironment(env: EnvironmentConfig, shared: SharedConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.${field}`;

  if (!/^\d{12}$/.test(env.account)) {
    issues.add(
      at('account'),
      `${JSON.stringify(env.account)} is not an AWS account id (use the 12 digits, or set BOOKING_${env.name.toUpperCase().replace(/-/g, '_')}_ACCOUNT)`,
    );
  } else if (env.account !== shared.account) {
    issues.add(
      at('account'),
      `"${env.account}" differs from shared.account "${shared.account}" (environments deploy in the account that holds the hosted zone and image repository)`,
    );
  }
  const regionKnown = issues.oneOf(at('region'), env.region, Object.keys(REGION_AZ_LETTERS), 'a known AWS region');
  if (env.availabilityZones.length < 2 || env.availabilityZones.length > 3) {
    issues.add(
      at('availabilityZones'),
      `${env.availabilityZones.length} zones given (list two or three, e.g. ["${env.region}a", "${env.region}b"])`,
    );
  }
  if (new Set(env.availabilityZones).size !== env.availabilityZones.length) {
    issues.add(
      at('availabilityZones'),
      `${JSON.stringify(env.availabilityZones)} repeats a zone (list each zone once)`,
    );
  }
  if (regionKnown) {
    const zones = [...REGION_AZ_LETTERS[env.region]].map((letter) => `${env.region}${letter}`);
    env.availabilityZones.forEach((zone, index) => {
      issues.oneOf(at(`availabilityZones[${index}]`), zone, zones, `an availability zone of ${env.region}`);
    });
  }

  if ((env.state as string) === 'paused') {
    issues.add(
      at('state'),
      `"paused" is not a deploy-time state any more (a deploy never stops tasks or the database): deploy with "running" and pause with: npx booking-infra pause ${env.name}`,
    );
  } else {
    issues.oneOf(at('state'), env.state, DEPLOYED_STRUCTURES, 'a deployed structure');
  }

  if (!isHostname(env.apiHost)) {
    issues.add(
      at('apiHost'),
      `${JSON.stringify(env.apiHost)} is not a valid host name (e.g. "api-dev.${shared.domain}")`,
    );
  } else if (!env.apiHost.endsWith(`.${shared.domain}`)) {
    issues.add(
      at('apiHost'),
      `"${env.apiHost}" is outside the hosted zone "${shared.domain}" (use a name ending in ".${shared.domain}")`,
    );
  }

  if (env.production && !env.deletionProtection) {
    issues.add(
      at('deletionProtection'),
      'false is not allowed for a production environment (set deletionProtection: true; it guards the database and the data stack)',
    );
  }
  issues.oneOf(
    at('logRetentionDays'),
    String(env.logRetentionDays),
    LOG_RETENTION_DAYS.map(String),
    'a retention CloudWatch Logs accepts',
  );

  validateNetwork(env, issues);

  const db = env.database;
  issues.oneOf(
    at('database.instanceClass'),
    db.instanceClass,
    Object.keys(RDS_INSTANCE_MEMORY_GIB),
    'a known RDS class',
  );
  if (
    issues.integerIn(
      at('database.allocatedStorageGiB'),
      db.allocatedStorageGiB,
      20,
      65536,
      ' GiB; gp3 needs 20 or more',
    )
  ) {
    if (db.maxAllocatedStorageGiB <= db.allocatedStorageGiB || db.maxAllocatedStorageGiB > 65536) {
      issues.add(
        at('database.maxAllocatedStorageGiB'),
        `${db.maxAllocatedStorageGiB} is not above allocatedStorageGiB ${db.allocatedStorageGiB} (set a ceiling between ${db.allocatedStorageGiB + 1} and 65536)`,
      );
    }
  }
  if (issues.integerIn(at('database.backupRetentionDays'), db.backupRetentionDays, 1, 35, ', as RDS allows')) {
    if (env.production && db.backupRetentionDays < 14) {
      issues.add(
        at('database.backupRetentionDays'),
        `${db.backupRetentionDays} is too short for a production environment (keep 14 days or more)`,
      );
    }
  }
  if (db.multiAz && env.availabilityZones.length < 2) {
    issues.add(at('database.multiAz'), 'true needs at least two availability zones (add a zone or set multiAz: false)');
  }

  const cache = env.cache;
  issues.oneOf(at('cache.engine'), cache.engine, CACHE_ENGINES, 'a supported cache engine');
  issues.oneOf(
    at('cache.nodeType'),
    cache.nodeType,
    Object.keys(CACHE_NODE_MEMORY_GIB),
    'a known ElastiCache node type',
  );
  issues.integerIn(at('cache.snapshotRetentionDays'), cache.snapshotRetentionDays, 0, 35, ', as ElastiCache allows');
  if (env.production && cache.snapshotRetentionDays < 1) {
    issues.add(
      at('cache.snapshotRetentionDays'),
      '0 is not allowed for a production environment (keep at least 1 day so queued jobs survive a deletion)',
    );
  }
  const secretNames = new Set<string>();
  env.applicationSecrets.forEach((name, index) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
      issues.add(
        at(`applicationSecrets[${index}]`),
        `${JSON.stringify(name)} is not an environment variable name (use upper case, digits and underscores, e.g. "DJANGO_SECRET_KEY")`,
      );
    } else if (secretNames.has(name)) {
      issues.add(at(`applicationSecrets[${index}]`), `"${name}" is listed twice (list each secret once)`);
    }
    secretNames.add(name);
  });
  validateCompute(env, issues);
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(env.pipeline.branch) || env.pipeline.branch.includes('..')) {
    issues.add(at('pipeline.branch'), `${JSON.stringify(env.pipeline.branch)} is not a branch name (e.g. "main")`);
  }
  if (env.schedule) {
    for (const key of ['pause', 'resume'] as const) {
      if (!/^(cron\([^)]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/.test(env.schedule[key])) {
        issues.add(
          at(`schedule.${key}`),
          `${JSON.stringify(env.schedule[key])} is not a schedule expression (e.g. "cron(0 20 ? * MON-FRI *)")`,
        );
      }
    }
    if (!/^[A-Za-z]+(\/[A-Za-z_+-]+)+$|^UTC$/.test(env.schedule.timezone)) {
      issues.add(
        at('schedule.timezone'),
        `${JSON.stringify(env.schedule.timezone)} is not an IANA time zone (e.g. "Europe/London")`,
      );
    }
  }
  if (env.production && !env.pipeline.manualApproval) {
    issues.add(
      at('pipeline.manualApproval'),
      'false is not allowed for a production environment (a person approves each release before it migrates the database)',
    );
  }

  for (const [key, value] of Object.entries(env.usage)) {
    const max = key === 'fargateSpotDiscount' ? 1 : 1_000_000;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
      issues.add(
        at(`usage.${key}`),
        `${JSON.stringify(value)} is not a usable assumption (use a number from 0 to ${max})`,
      );
    }
  }
  issues.integerIn(at('budget.marginPercent'), env.budget.marginPercent, 0, 1000);
  env.alertEmails.forEach((email, index) => {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      issues.add(
        at(`alertEmails[${index}]`),
        `${JSON.stringify(email)} is not an e-mail address (e.g. "ops@lichnails.co.uk")`,
      );
    }
  });
  if (issues.integerIn(at('cache.nodes'), cache.nodes, 1, 6, ': a primary and up to five replicas')) {
    if (cache.nodes > 1 && env.availabilityZones.length < 2) {
      issues.add(
        at('cache.nodes'),
        `${cache.nodes} nodes need two availability zones for failover (add a zone or use 1 node)`,
      );
    }
  }
}

function validateService(field: string, service: ServiceConfig, issues: IssueCollector, minimumFloor: number): void {
  const memoryOptions = fargateMemoryOptions(service.cpu);
  if (memoryOptions.length === 0) {
    issues.add(`${field}.cpu`, `${service.cpu} is not a Fargate CPU size (use 256, 512, 1024, 2048 or 4096)`);
  } else if (!memoryOptions.includes(service.memoryMiB)) {
    issues.add(
      `${field}.memoryMiB`,
      `${service.memoryMiB} is not a Fargate memory size for cpu ${service.cpu} (use one of: ${memoryOptions.join(', ')})`,
    );
  }
  if (issues.integerIn(`${field}.minTasks`, service.minTasks, minimumFloor, 100)) {
    if (
      issues.integerIn(
        `${field}.maxTasks`,
        service.maxTasks,
        Math.max(1, service.minTasks),
        100,
        `, at least minTasks ${service.minTasks}`,
      )
    ) {
      issues.integerIn(
        `${field}.capacity.onDemandBase`,
        service.capacity.onDemandBase,
        0,
        service.maxTasks,
        ', at most maxTasks',
      );
    }
  }
  issues.integerIn(`${field}.capacity.spotPercent`, service.capacity.spotPercent, 0, 100);
  if (service.command.length === 0)
    issues.add(`${field}.command`, 'is empty (give the command, e.g. ["gunicorn", ...])');
}

function validateCompute(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.compute.${field}`;
  const compute = env.compute;
  issues.oneOf(at('architecture'), compute.architecture, CPU_ARCHITECTURES, 'a Fargate CPU architecture');
  issues.integerIn(at('appPort'), compute.appPort, 1024, 65535, '; not 6432, which PgBouncer uses');
  if (compute.appPort === 6432) issues.add(at('appPort'), "6432 is PgBouncer's port (choose another, e.g. 8000)");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(compute.imageTag)) {
    issues.add(
      at('imageTag'),
      `${JSON.stringify(compute.imageTag)} is not a Docker tag (letters, digits, _ . -; at most 128)`,
    );
  }
  validateService(`${env.name}.compute.web`, compute.web, issues, 1);
  validateService(`${env.name}.compute.worker`, compute.worker, issues, 0);
  issues.integerIn(at('web.cpuTargetPercent'), compute.web.cpuTargetPercent, 10, 95);
  issues.integerIn(at('web.requestsPerTaskPerMinute'), compute.web.requestsPerTaskPerMinute, 1, 1_000_000);
  issues.integerIn(at('worker.messagesPerTask'), compute.worker.messagesPerTask, 2, 1_000_000);
  issues.integerIn(at('worker.stopTimeoutSeconds'), compute.worker.stopTimeoutSeconds, 2, 120, ', the Fargate maximum');
  if (compute.worker.queues.length === 0 || compute.worker.queues.some((queue) => !/^[A-Za-z0-9_.-]+$/.test(queue))) {
    issues.add(
      at('worker.queues'),
      `${JSON.stringify(compute.worker.queues)} must list Dramatiq queue names (e.g. ["default"])`,
    );
  }
  for (const name of Object.keys(compute.environment)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      issues.add(at(`environment.${name}`), 'is not an environment variable name (letters, digits, underscores)');
    }
    if (env.applicationSecrets.includes(name)) {
      issues.add(
        at(`environment.${name}`),
        'is also an application secret (set it in one place: secrets stay out of plain environment)',
      );
    }
  }

  const pool = compute.pgbouncer;
  if (
    issues.integerIn(at('pgbouncer.defaultPoolSize'), pool.defaultPoolSize, 1, 1000) &&
    issues.integerIn(
      at('pgbouncer.reservedConnections'),
      pool.reservedConnections,
      3,
      1000,
      '; RDS keeps 3 for itself',
    ) &&
    RDS_INSTANCE_MEMORY_GIB[env.database.instanceClass] !== undefined
  ) {
    const maxConnections = maxConnectionsFor(env.database.instanceClass);
    const tasks = compute.web.maxTasks + compute.worker.maxTasks;
    const needed = tasks * pool.defaultPoolSize;
    const available = maxConnections - pool.reservedConnections;
    if (needed > available) {
      issues.add(
        at('pgbouncer.defaultPoolSize'),
        `(${compute.web.maxTasks} web + ${compute.worker.maxTasks} worker tasks) x ${pool.defaultPoolSize} = ${needed} server connections exceed ` +
          `max_connections ${maxConnections} - ${pool.reservedConnections} reserved = ${available} on ${env.database.instanceClass} ` +
          `(lower the pool size or maxTasks, or use a larger database class)`,
      );
    }
  }
  issues.integerIn(at('pgbouncer.maxClientConnections'), pool.maxClientConnections, 1, 100_000);
}

function validateNetwork(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.network.${field}`;
  const net = env.network;
  issues.oneOf(at('egress'), net.egress, EGRESS_MODES, 'an egress mode');
  if (net.flowLogs.enabled) {
    issues.oneOf(
      at('flowLogs.retentionDays'),
      String(net.flowLogs.retentionDays),
      LOG_RETENTION_DAYS.map(String),
      'a retention CloudWatch Logs accepts',
    );
  }

  const vpc = parseCidr(net.cidr);
  if (!vpc) {
    issues.add(at('cidr'), `${JSON.stringify(net.cidr)} is not an IPv4 CIDR block (write it as "10.10.0.0/16")`);
    return;
  }
  if (vpc.prefix < 16 || vpc.prefix > 28) {
    issues.add(at('cidr'), `"${net.cidr}" has prefix /${vpc.prefix} (a VPC takes /16 to /28)`);
    return;
  }
  if (networkAddress(vpc) !== vpc.base) {
    const aligned = formatCidr({ base: networkAddress(vpc), prefix: vpc.prefix });
    issues.add(at('cidr'), `"${net.cidr}" has host bits set (did you mean "${aligned}"?)`);
    return;
  }
  if (!PRIVATE_RANGES.some((range) => cidrContains(range, vpc))) {
    issues.add(
      at('cidr'),
      `"${net.cidr}" is not a private range (use part of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)`,
    );
    return;
  }
  let masksValid = true;
  for (const tier of SUBNET_TIERS) {
    const mask = net.subnetMasks[tier];
    masksValid =
      issues.integerIn(
        at(`subnetMasks.${tier}`),
        mask,
        Math.max(16, vpc.prefix),
        28,
        `; a subnet is /16 to /28 and inside ${net.cidr}`,
      ) && masksValid;
  }
  if (!masksValid) return;
  const plan = planSubnets(vpc, net.subnetMasks, env.availabilityZones);
  if (!planFits(vpc, plan)) {
    issues.add(
      at('subnetMasks'),
      `${SUBNET_TIERS.length} tiers x ${env.availabilityZones.length} zones need ${plan.addressesUsed} addresses but "${net.cidr}" holds ${2 ** (32 - vpc.prefix)} (use longer masks or a larger cidr)`,
    );
  }
}

/** Environments whose VPC ranges overlap could never be peered or joined by VPN. */
function validateAcrossEnvironments(config: PlatformConfig, issues: IssueCollector): void {
  const names = new Set<string>();
  config.environments.forEach((env, index) => {
    if (!NAME_PATTERN.test(env.name)) {
      issues.add(
        `environments[${index}].name`,
        `${JSON.stringify(env.name)} is not a valid name (use 2-16 lowercase letters, digits or hyphens, starting with a letter)`,
      );
    }
    if (names.has(env.name)) {
      issues.add(`environments[${index}].name`, `"${env.name}" is used twice (give each environment its own name)`);
    }
    names.add(env.name);
  });
  for (let i = 0; i < config.environments.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = config.environments[i];
      const b = config.environments[j];
      const cidrA = parseCidr(a.network.cidr);
      const cidrB = parseCidr(b.network.cidr);
      if (cidrA && cidrB && cidrsOverlap(cidrA, cidrB)) {
        issues.add(
          `${a.name}.network.cidr`,
          `"${a.network.cidr}" overlaps ${b.name}.network.cidr "${b.network.cidr}" (give each environment its own range)`,
        );
      }
    }
  }
}

/** Returns every issue in the configuration; empty when it is valid. */
export function findConfigIssues(config: PlatformConfig): ConfigIssue[] {
  const issues = new IssueCollector();
  if (config.environments.length === 0) {
    issues.add('environments', 'the list is empty (define at least one environment, e.g. dev)');
  }
  validateShared(config.shared, issues);
  validateAcrossEnvironments(config, issues);
  for (const env of config.environments) validateEnvironment(env, config.shared, issues);
  return issues.issues;
}

/** Throws a ConfigValidationError naming every bad field, value and fix. */
export function validateConfig(config: PlatformConfig): void {
  const issues = findConfigIssues(config);
  if (issues.length > 0) throw new ConfigValidationError(issues);
}
