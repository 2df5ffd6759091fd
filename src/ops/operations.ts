import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  ScalableDimension,
  ServiceNamespace,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, StartDBInstanceCommand, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import type { OpsClients } from './clients';
import type { EnvironmentResources } from './resources';
import { withRetry } from './retry';
import { readStateRecord, type ServiceCapacity, type StateRecord, writeStateRecord } from './state-record';

/** How progress is shown; the CLI prints, the Lambdas log. */
export interface Reporter {
  (line: string): void;
}

/** Everything the operations need from outside, injectable for tests. */
export interface OpsContext {
  readonly clients: OpsClients;
  readonly report: Reporter;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Between polls while waiting. @default 15 s */
  readonly pollIntervalMs?: number;
  /** Longest wait for one condition. @default 30 min */
  readonly timeoutMs?: number;
}

export interface ServiceObservation extends ServiceCapacity {
  readonly role: string;
  readonly name: string;
  readonly running: number;
  readonly pending: number;
}

/** What the environment's resources are doing right now. */
export interface Observation {
  readonly services: readonly ServiceObservation[];
  readonly database: string;
  readonly record?: StateRecord;
}

/** A planned step: what it does, and the work. */
export interface Step {
  readonly description: string;
  readonly run: () => Promise<void>;
}

/** The result of planning: the steps, or why there is nothing to do. */
export interface Plan {
  readonly steps: readonly Step[];
  readonly nothingToDo?: string;
}

/** RDS states from which a stop or start must wait. */
const DATABASE_TRANSITIONS = new Set([
  'starting',
  'stopping',
  'backing-up',
  'modifying',
  'rebooting',
  'maintenance',
  'upgrading',
  'configuring-enhanced-monitoring',
  'configuring-log-exports',
  'storage-optimization',
  'renaming',
  'resetting-master-credentials',
  'creating',
]);

export class EnvironmentOperations {
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly resources: EnvironmentResources,
    private readonly context: OpsContext,
  ) {
    this.pollIntervalMs = context.pollIntervalMs ?? 15_000;
    this.timeoutMs = context.timeoutMs ?? 30 * 60_000;
  }

  private call<T>(work: () => Promise<T>): Promise<T> {
    return withRetry(work, this.context.sleep);
  }

  private resourceId(serviceName: string): string {
    return `service/${this.resources.clusterName}/${serviceName}`;
  }

  async databaseStatus(): Promise<string> {
    const answer = await this.call(() =>
      this.context.clients.rds.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: this.resources.databaseId }),
      ),
    );
    return answer.DBInstances?.[0]?.DBInstanceStatus ?? 'unknown';
  }

  /** Each service's counts and scaling bounds (ECS and Application Auto Scaling only). */
  async observeServices(): Promise<ServiceObservation[]> {
    const { clients } = this.context;
    if (this.resources.services.length === 0) return [];
    const described = await this.call(() =>
      clients.ecs.send(
        new DescribeServicesCommand({
          cluster: this.resources.clusterName,
          services: this.resources.services.map((s) => s.name),
        }),
      ),
    );
    const targets = await this.call(() =>
      clients.autoscaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: ServiceNamespace.ECS,
          ResourceIds: this.resources.services.map((s) => this.resourceId(s.name)),
        }),
      ),
    );
    return this.resources.services.map((service) => {
      const found = described.services?.find((s) => s.serviceName === service.name);
      if (!found || found.status === 'INACTIVE') {
        throw new Error(
          `service ${service.name} is missing from cluster ${this.resources.clusterName} (redeploy: npx cdk deploy)`,
        );
      }
      const target = targets.ScalableTargets?.find((t) => t.ResourceId === this.resourceId(service.name));
      return {
        role: service.role,
        name: service.name,
        desired: found.desiredCount ?? 0,
        running: found.runningCount ?? 0,
        pending: found.pendingCount ?? 0,
        min: target?.MinCapacity ?? 0,
        max: target?.MaxCapacity ?? 0,
      };
    });
  }

  async observe(): Promise<Observation> {
    const services = await this.observeServices();
    const record = await this.call(() => readStateRecord(this.context.clients.ssm, this.resources.stateParameter));
    return { services, database: await this.databaseStatus(), record };
  }

  /** Polls `check` until it returns true, reporting elapsed time; fails after the timeout. */
  private async waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
    const started = this.context.now();
    for (;;) {
      if (await check()) {
        this.context.report(`  ${what}: done after ${Math.round((this.context.now() - started) / 1000)} s`);
        return;
      }
      const elapsed = this.context.now() - started;
      if (elapsed > this.timeoutMs)
        throw new Error(`gave up waiting for ${what} after ${Math.round(elapsed / 1000)} s`);
      this.context.report(`  waiting for ${what} (${Math.round(elapsed / 1000)} s)`);
      await this.context.sleep(this.pollIntervalMs);
    }
  }

  private setCapacity(service: ServiceObservation, capacity: ServiceCapacity): Step[] {
    const { clients } = this.context;
    const steps: Step[] = [];
    if (service.min !== capacity.min || service.max !== capacity.max) {
      steps.push({
        description: `set ${service.role} scaling bounds to ${capacity.min}..${capacity.max} (now ${service.min}..${service.max})`,
        run: async () => {
          await this.call(() =>
            clients.autoscaling.send(
              new RegisterScalableTargetCommand({
                ServiceNamespace: ServiceNamespace.ECS,
                ScalableDimension: ScalableDimension.ECSServiceDesiredCount,
                ResourceId: this.resourceId(service.name),
                MinCapacity: capacity.min,
                MaxCapacity: capacity.max,
              }),
            ),
          );
        },
      });
    }
    if (service.desired !== capacity.desired) {
      steps.push({
        description: `set ${service.role} desired tasks to ${capacity.desired} (now ${service.desired})`,
        run: async () => {
          await this.call(() =>
            clients.ecs.send(
              new UpdateServiceCommand({
                cluster: this.resources.clusterName,
                service: service.name,
                desiredCount: capacity.desired,
              }),
            ),
          );
        },
      });
    }
    return steps;
  }

  private waitForDatabase(target: 'available' | 'stopped'): Step {
    return {
      description: `wait for the database to be ${target}`,
      run: () => this.waitFor(`database ${target}`, async () => (await this.databaseStatus()) === target),
    };
  }

  /** Plans a pause from what is observed: only what is not already paused. */
  async planPause(): Promise<Plan> {
    const observed = await this.observe();
    const { clients } = this.context;
    const steps: Step[] = [];
    const running = observed.services.filter((s) => s.min > 0 || s.max > 0 || s.desired > 0);
    // Record the capacities to restore before changing anything, unless a pause already
    // recorded them and nothing has been brought back since.
    if (observed.record?.state !== 'paused' || running.length > 0) {
      const services = Object.fromEntries(
        observed.services.map((s) => [
          s.role,
          { desired: s.desired, min: s.min, max: s.max } satisfies ServiceCapacity,
        ]),
      );
      const previous = observed.record?.services ?? {};
      const toRecord = running.length > 0 ? services : previous;
      steps.push({
        description: `record the paused state and the capacities to restore (${describeCapacities(toRecord)})`,
        run: () =>
          writeStateRecord(clients.ssm, this.resources.stateParameter, {
            state: 'paused',
            changedAt: new Date(this.context.now()).toISOString(),
            services: toRecord,
          }),
      });
    }
    for (const service of observed.services) steps.push(...this.setCapacity(service, { desired: 0, min: 0, max: 0 }));
    if (observed.services.some((s) => s.running > 0 || s.pending > 0 || s.desired > 0)) {
      steps.push({
        description: 'wait for every task to drain',
        run: () => this.waitFor('tasks drained', () => this.tasksDrained()),
      });
    }
    steps.push(...this.databaseStopSteps(observed.database));
    const onlyRecord =
      steps.length === 1 && steps[0].description.startsWith('record') && observed.record?.state === 'paused';
    if (steps.length === 0 || onlyRecord)
      return { steps: [], nothingToDo: `${this.resources.environment} is already paused` };
    return { steps };
  }

  private databaseStopSteps(status: string): Step[] {
    const stop: Step = {
      description: `stop the database ${this.resources.databaseId} (AWS starts it again after 7 days; the guard stops it again)`,
      run: async () => {
        await this.call(() =>
          this.context.clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: this.resources.databaseId })),
        );
      },
    };
    if (status === 'stopped') return [];
    if (status === 'stopping') return [this.waitForDatabase('stopped')];
    if (status === 'available') return [stop, this.waitForDatabase('stopped')];
    if (DATABASE_TRANSITIONS.has(status))
      return [this.waitForDatabase('available'), stop, this.waitForDatabase('stopped')];
    throw new Error(
      `the database ${this.resources.databaseId} is "${status}"; it can be stopped only when available (check it in the RDS console)`,
    );
  }

  private async tasksDrained(): Promise<boolean> {
    return (await this.observeServices()).every((s) => s.running === 0 && s.pending === 0);
  }

  /** Plans a resume: start the database, restore the recorded capacities, wait for health. */
  async planResume(): Promise<Plan> {
    const observed = await this.observe();
    const { clients } = this.context;
    const record = observed.record;
    if (!record || record.state === 'running') {
      if (observed.database === 'available' && observed.services.every((s) => s.max > 0)) {
        return { steps: [], nothingToDo: `${this.resources.environment} is already running` };
      }
      if (!record) {
        throw new Error(
          `no paused state is recorded in ${this.resources.stateParameter}, so the capacities to restore are unknown (deploy with state 'running': npx cdk deploy)`,
        );
      }
    }
    const steps: Step[] = [
      {
        description: 'record that the environment is resuming (the 7-day guard leaves the database alone)',
        run: () =>
          writeStateRecord(clients.ssm, this.resources.stateParameter, {
            ...record!,
            state: 'resuming',
            changedAt: new Date(this.context.now()).toISOString(),
          }),
      },
    ];
    const start: Step = {
      description: `start the database ${this.resources.databaseId}`,
      run: async () => {
        await this.call(() =>
          clients.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: this.resources.databaseId })),
        );
      },
    };
    if (observed.database === 'stopped') steps.push(start, this.waitForDatabase('available'));
    else if (observed.database === 'stopping')
      steps.push(this.waitForDatabase('stopped'), start, this.waitForDatabase('available'));
    else if (observed.database !== 'available') steps.push(this.waitForDatabase('available'));

    for (const service of observed.services) {
      const capacity = record!.services[service.role];
      if (!capacity)
        throw new Error(`no recorded capacity for the ${service.role} service in ${this.resources.stateParameter}`);
      steps.push(...this.setCapacity(service, capacity));
    }
    if (observed.services.length > 0) {
      steps.push({
        description: 'wait for the services to reach their desired counts',
        run: () => this.waitFor('services stable', () => this.servicesStable()),
      });
    }
    if (this.resources.targetGroupArn) {
      steps.push({
        description: 'wait for the load balancer targets to be healthy',
        run: () => this.waitFor('healthy targets', () => this.targetsHealthy()),
      });
    }
    steps.push({
      description: 'record the running state',
      run: () =>
        writeStateRecord(clients.ssm, this.resources.stateParameter, {
          state: 'running',
          changedAt: new Date(this.context.now()).toISOString(),
          services: record!.services,
        }),
    });
    return { steps };
  }

  private async servicesStable(): Promise<boolean> {
    return (await this.observeServices()).every((s) => s.running === s.desired && s.pending === 0);
  }

  private async targetsHealthy(): Promise<boolean> {
    const answer = await this.call(() =>
      this.context.clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: this.resources.targetGroupArn }),
      ),
    );
    const states = (answer.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State);
    return states.length > 0 && states.every((state) => state === 'healthy');
  }

  /** Runs a plan's steps in order, reporting each with the elapsed time. */
  async execute(plan: Plan): Promise<void> {
    const started = this.context.now();
    for (const [index, step] of plan.steps.entries()) {
      const elapsed = Math.round((this.context.now() - started) / 1000);
      this.context.report(`[${index + 1}/${plan.steps.length}] ${step.description} (${elapsed} s)`);
      await step.run();
    }
  }

  /**
   * The 7-day guard: AWS starts a stopped database after seven days. While the environment is
   * recorded as paused, stop it again; otherwise leave it. Returns what it did.
   */
  async restopIfPaused(): Promise<'stopped' | 'not-paused' | 'not-available'> {
    const record = await this.call(() => readStateRecord(this.context.clients.ssm, this.resources.stateParameter));
    if (record?.state !== 'paused') return 'not-paused';
    const status = await this.databaseStatus();
    if (status !== 'available') return 'not-available';
    await this.call(() =>
      this.context.clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: this.resources.databaseId })),
    );
    return 'stopped';
  }
}

export function describeCapacities(services: Readonly<Record<string, ServiceCapacity>>): string {
  const parts = Object.entries(services).map(
    ([role, c]) => `${role} ${c.desired} task${c.desired === 1 ? '' : 's'}, ${c.min}..${c.max}`,
  );
  return parts.length > 0 ? parts.join('; ') : 'no services';
}
