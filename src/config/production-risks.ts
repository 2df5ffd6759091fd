import type { EnvironmentConfig } from './types';
import { usesLoadBalancer } from './ingress';

/**
 * A production check an environment may knowingly waive through `acceptedRisks`. Each is a
 * setting that a cdk-nag rule flags and a module acknowledges "in this non-production
 * environment": without the name in `acceptedRisks`, validation refuses it in production.
 */
export interface ProductionRisk {
  /** The field, relative to the environment, whose value takes the risk. */
  readonly field: string;
  /** Whether `env` takes the risk. */
  readonly taken: (env: EnvironmentConfig) => boolean;
  /** The value the field has when the risk is taken, as it is reported. */
  readonly value: (env: EnvironmentConfig) => string;
  /** The setting that avoids the risk, e.g. `multiAz: true`. */
  readonly fix: string;
  /** What the fix buys, as a clause: "set <fix> so <benefit>". */
  readonly benefit: string;
}

/** The production risks by the name `acceptedRisks` uses. */
export const PRODUCTION_RISKS: Readonly<Record<string, ProductionRisk>> = {
  'single-az-database': {
    field: 'database.multiAz',
    taken: (env) => !env.database.multiAz,
    value: (env) => String(env.database.multiAz),
    fix: 'multiAz: true',
    benefit: 'a standby in a second zone takes over when the primary fails',
  },
  'single-node-cache': {
    field: 'cache.nodes',
    taken: (env) => env.cache.nodes < 2,
    value: (env) => String(env.cache.nodes),
    fix: 'nodes: 2',
    benefit: 'a replica takes over when the primary fails',
  },
  'no-flow-logs': {
    field: 'network.flowLogs.enabled',
    taken: (env) => !env.network.flowLogs.enabled,
    value: (env) => String(env.network.flowLogs.enabled),
    fix: 'flowLogs.enabled: true',
    benefit: "the VPC's traffic is recorded for incident analysis",
  },
  'no-load-balancer-access-logs': {
    field: 'compute.loadBalancerAccessLogs',
    // An HTTP API ingress always keeps access logs (CloudWatch Logs): nothing is waived then.
    taken: (env) => usesLoadBalancer(env) && !env.compute.loadBalancerAccessLogs,
    value: (env) => String(env.compute.loadBalancerAccessLogs),
    fix: 'loadBalancerAccessLogs: true',
    benefit: 'every request to the API is recorded',
  },
  'ecs-exec': {
    field: 'compute.ecsExec',
    taken: (env) => env.compute.ecsExec,
    value: (env) => String(env.compute.ecsExec),
    fix: 'ecsExec: false',
    benefit:
      'nobody gets a shell in a task that holds the database and cache credentials (accept the risk only to break glass, then deploy it off again)',
  },
  'no-credential-rotation': {
    field: 'database.credentialRotation.enabled',
    taken: (env) => !(env.database.credentialRotation?.enabled ?? false),
    value: (env) => String(env.database.credentialRotation?.enabled ?? false),
    fix: 'credentialRotation: { enabled: true, everyDays: 30 }',
    benefit: 'a leaked database password stops working within a rotation period',
  },
  'no-bucket-versioning': {
    field: 'storage.versioning',
    taken: (env) => env.storage !== undefined && !env.storage.versioning,
    value: (env) => String(env.storage?.versioning),
    fix: 'versioning: true',
    benefit: 'an overwritten or deleted upload can be restored',
  },
  'no-waf': {
    field: 'waf.enabled',
    taken: (env) => !(env.waf?.enabled ?? false),
    value: (env) => String(env.waf?.enabled ?? false),
    fix: "waf: { enabled: true, mode: 'block', ... }",
    benefit: 'the public API is behind rate limiting and the AWS managed rules',
  },
  'no-offsite-backup': {
    field: 'backup.copy',
    taken: (env) => !(env.backup?.enabled && env.backup.copy),
    value: (env) => (env.backup?.enabled ? JSON.stringify(env.backup.copy ?? null) : 'backup disabled'),
    fix: "backup: { enabled: true, copy: { region: 'us-east-1', retentionDays: 35 }, ... }",
    benefit: 'a copy of every recovery point survives the loss of the region or of the primary vault',
  },
  'no-alert-subscribers': {
    field: 'alertEmails',
    taken: (env) => env.alertEmails.length === 0,
    value: (env) => JSON.stringify(env.alertEmails),
    fix: 'alertEmails: ["ops@your-domain"]',
    benefit: 'alarms, budget alerts and failed releases reach a person',
  },
};

export const PRODUCTION_RISK_NAMES: readonly string[] = Object.keys(PRODUCTION_RISKS);
