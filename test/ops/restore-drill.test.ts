import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import {
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { type InterruptSource, runRestoreDrill } from '../../src/cli/commands/restore-drill';
import { CliError } from '../../src/cli/errors';
import { platformConfig } from '../../src/config';
import type { BackupConfig, PlatformConfig } from '../../src/config/types';
import { handler, type CleanupResult } from '../../src/lambda/restore-drill/index';
import type { OpsClients } from '../../src/ops/clients';
import { RESTORE_DRILL, RESTORE_DRILL_VARIABLES } from '../../src/ops/contracts';
import {
  advanceDrill,
  cleanUpDrill,
  type DrillContext,
  drillCostUsd,
  type DrillState,
  type DrillTarget,
  drillMeasurements,
  drillTargetFromStacks,
  LIVE_DRILL_MS,
  planDrill,
  RESTORE_TIMEOUT_MS,
  startDrill,
  sweepDrills,
} from '../../src/ops/restore-drill';

const START = Date.parse('2026-11-27T12:00:00Z');
const PASSWORD = 'drill-password-0123456789abcdef';

const TARGET: DrillTarget = {
  appName: 'booking',
  environment: 'dev',
  region: 'eu-west-2',
  sourceInstanceId: 'booking-dev',
  instanceClass: 'db.t4g.micro',
  clusterName: 'booking-dev',
  taskFamily: 'booking-dev-restore-drill',
  subnetIds: ['subnet-a', 'subnet-b'],
  taskSecurityGroupId: 'sg-task',
  databaseSecurityGroupId: 'sg-db',
  assignPublicIp: 'ENABLED',
  passwordSecretName: 'booking/dev/restore-drill',
};

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

interface FakeInstance {
  status: string;
  /** Statuses the instance goes through, one per describe, before `status`. */
  upcoming: string[];
  tags: Array<{ Key: string; Value: string }>;
  createdAt?: Date;
  pendingPassword?: boolean;
  password?: string;
}

interface FakeSnapshot {
  id: string;
  instance: string;
  type: 'automated' | 'manual' | 'awsbackup';
  status: string;
  createdAt: Date;
}

interface FakeTask {
  family: string;
  polls: number;
  stopped: boolean;
  exitCode?: number;
}

/**
 * RDS, ECS and Secrets Manager of one environment behind aws-sdk-client-mock: a restore becomes
 * available after `restoreDescribes` looks, a password reset is pending for one look, the
 * verification task stops after `taskPolls` looks with `exitCode`.
 */
class FakeDrillAws {
  readonly instances = new Map<string, FakeInstance>();
  readonly snapshots: FakeSnapshot[] = [];
  readonly tasks = new Map<string, FakeTask>();
  readonly secrets = new Map<string, { value: string; deleted: boolean }>();
  readonly calls: string[] = [];
  clock = START;
  restoreDescribes = 2;
  taskPolls = 1;
  exitCode = 0;
  /** Snapshot types DescribeDBSnapshots refuses (as some emulators do with awsbackup). */
  refusedTypes = new Set<string>();
  /** DeleteDBInstance answers InvalidDBInstanceState while the instance has this status. */
  undeletableWhile?: string;
  readonly clients: Pick<OpsClients, 'rds' | 'ecs' | 'secretsmanager' | 'cloudformation'>;
  readonly stubs: Record<string, AwsStub<any, any, any>> = {};
  private taskCounter = 0;

  constructor() {
    const region = { region: 'eu-west-2' };
    this.clients = {
      rds: new RDSClient(region),
      ecs: new ECSClient(region),
      secretsmanager: new SecretsManagerClient(region),
      cloudformation: new CloudFormationClient(region),
    };
    for (const [name, client] of Object.entries(this.clients)) this.stubs[name] = mockClient(client as any);
    this.instances.set('booking-dev', { status: 'available', upcoming: [], tags: [] });
    this.snapshot('rds:booking-dev-2026-11-27-03-05', 'automated', '2026-11-27T03:05:00Z');
    this.install();
  }

  snapshot(id: string, type: FakeSnapshot['type'], at: string, status = 'available', instance = 'booking-dev'): void {
    this.snapshots.push({ id, instance, type, status, createdAt: new Date(at) });
  }

  context(overrides: Partial<DrillContext> = {}): DrillContext {
    return { clients: this.clients, now: () => this.clock, newPassword: () => PASSWORD, ...overrides };
  }

  /** Drill instances left in the fake. */
  drillInstances(): string[] {
    return [...this.instances.keys()].filter((id) => id.startsWith('booking-dev-drill-'));
  }

  private describeInstance(id: string) {
    const instance = this.instances.get(id)!;
    if (instance.upcoming.length > 0) instance.status = instance.upcoming.shift()!;
    else if (instance.pendingPassword) instance.pendingPassword = false;
    return {
      DBInstanceIdentifier: id,
      DBInstanceStatus: instance.status,
      DBInstanceClass: 'db.t4g.micro',
      DBName: 'booking',
      MasterUsername: 'booking_admin',
      DBSubnetGroup: { DBSubnetGroupName: 'booking-dev-isolated' },
      DBParameterGroups: [{ DBParameterGroupName: 'booking-dev-postgres18' }],
      Endpoint: { Address: `${id}.abc.eu-west-2.rds.amazonaws.com`, Port: 5432 },
      PendingModifiedValues: instance.pendingPassword ? { MasterUserPassword: '****' } : {},
      TagList: instance.tags,
      InstanceCreateTime: instance.createdAt,
    };
  }

  private install(): void {
    const rds = this.stubs.rds;
    rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
      this.calls.push('DescribeDBInstances');
      if (input.DBInstanceIdentifier) {
        if (!this.instances.has(input.DBInstanceIdentifier)) throw awsError('DBInstanceNotFoundFault');
        return { DBInstances: [this.describeInstance(input.DBInstanceIdentifier)] };
      }
      return { DBInstances: [...this.instances.keys()].map((id) => this.describeInstance(id)) };
    });
    rds
      .on(DescribeDBSnapshotsCommand)
      .callsFake((input: { DBInstanceIdentifier?: string; DBSnapshotIdentifier?: string; SnapshotType?: string }) => {
        this.calls.push('DescribeDBSnapshots');
        if (input.SnapshotType && this.refusedTypes.has(input.SnapshotType))
          throw awsError('InvalidParameterValue', `unknown snapshot type ${input.SnapshotType}`);
        const found = this.snapshots.filter(
          (s) =>
            (!input.DBInstanceIdentifier || s.instance === input.DBInstanceIdentifier) &&
            (!input.DBSnapshotIdentifier || s.id === input.DBSnapshotIdentifier) &&
            // Like RDS: an automated or AWS Backup snapshot is only listed when its type is asked for.
            (input.SnapshotType ? s.type === input.SnapshotType : s.type === 'manual'),
        );
        if (input.DBSnapshotIdentifier && found.length === 0) throw awsError('DBSnapshotNotFoundFault');
        return {
          DBSnapshots: found.map((s) => ({
            DBSnapshotIdentifier: s.id,
            DBSnapshotArn: `arn:aws:rds:eu-west-2:111111111111:snapshot:${s.id}`,
            DBInstanceIdentifier: s.instance,
            SnapshotType: s.type,
            Status: s.status,
            SnapshotCreateTime: s.createdAt,
            AllocatedStorage: 20,
            StorageType: 'gp3',
          })),
        };
      });
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).callsFake((input: any) => {
      this.calls.push('RestoreDBInstanceFromDBSnapshot');
      this.instances.set(input.DBInstanceIdentifier, {
        status: 'creating',
        upcoming: [...Array(this.restoreDescribes - 1).fill('creating'), 'available'],
        tags: input.Tags,
      });
      return {};
    });
    rds.on(ModifyDBInstanceCommand).callsFake((input: any) => {
      this.calls.push('ModifyDBInstance');
      const instance = this.instances.get(input.DBInstanceIdentifier)!;
      instance.password = input.MasterUserPassword;
      instance.pendingPassword = true;
      instance.upcoming = ['resetting-master-credentials', 'available'];
      return {};
    });
    rds.on(DeleteDBInstanceCommand).callsFake((input: any) => {
      this.calls.push('DeleteDBInstance');
      const instance = this.instances.get(input.DBInstanceIdentifier);
      if (!instance) throw awsError('DBInstanceNotFoundFault');
      if (instance.status === this.undeletableWhile)
        throw awsError('InvalidDBInstanceState', `it is ${instance.status}`);
      assert.equal(input.SkipFinalSnapshot, true);
      assert.equal(input.DeleteAutomatedBackups, true);
      this.instances.delete(input.DBInstanceIdentifier);
      return {};
    });

    const ecs = this.stubs.ecs;
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/booking-dev-restore-drill:3',
        cpu: '256',
        memory: '512',
        runtimePlatform: { cpuArchitecture: 'ARM64' },
        containerDefinitions: [
          {
            name: 'verify',
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/booking/dev/restore-drill', 'awslogs-stream-prefix': 'drill' },
            },
          },
        ],
      },
    });
    ecs.on(RunTaskCommand).callsFake((input: any) => {
      this.calls.push('RunTask');
      const arn = `arn:aws:ecs:eu-west-2:111111111111:task/booking-dev/task${++this.taskCounter}`;
      this.tasks.set(arn, { family: input.taskDefinition, polls: 0, stopped: false });
      return { tasks: [{ taskArn: arn, lastStatus: 'PROVISIONING' }], failures: [] };
    });
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => {
      this.calls.push('DescribeTasks');
      return {
        tasks: input.tasks
          .filter((arn) => this.tasks.has(arn))
          .map((arn) => {
            const task = this.tasks.get(arn)!;
            if (!task.stopped && ++task.polls > this.taskPolls) {
              task.stopped = true;
              task.exitCode = this.exitCode;
            }
            return {
              taskArn: arn,
              lastStatus: task.stopped ? 'STOPPED' : 'RUNNING',
              desiredStatus: task.stopped ? 'STOPPED' : 'RUNNING',
              stoppedReason: task.stopped ? 'Essential container in task exited' : undefined,
              containers: [{ name: 'verify', exitCode: task.exitCode }],
            };
          }),
      };
    });
    ecs.on(StopTaskCommand).callsFake((input: { task: string }) => {
      this.calls.push('StopTask');
      const task = this.tasks.get(input.task)!;
      task.stopped = true;
      task.exitCode ??= 143;
      return {};
    });
    ecs.on(ListTasksCommand).callsFake(() => ({
      taskArns: [...this.tasks.entries()].filter(([, t]) => !t.stopped).map(([arn]) => arn),
    }));

    const sm = this.stubs.secretsmanager;
    sm.on(CreateSecretCommand).callsFake((input: { Name: string; SecretString: string }) => {
      this.calls.push('CreateSecret');
      const existing = this.secrets.get(input.Name);
      if (existing?.deleted)
        throw awsError('InvalidRequestException', 'a secret with this name is already scheduled for deletion');
      if (existing) throw awsError('ResourceExistsException');
      this.secrets.set(input.Name, { value: input.SecretString, deleted: false });
      return {};
    });
    sm.on(PutSecretValueCommand).callsFake((input: { SecretId: string; SecretString: string }) => {
      this.calls.push('PutSecretValue');
      const secret = this.secrets.get(input.SecretId)!;
      if (secret.deleted) throw awsError('InvalidRequestException', 'it was marked for deletion');
      secret.value = input.SecretString;
      return {};
    });
    sm.on(RestoreSecretCommand).callsFake((input: { SecretId: string }) => {
      this.calls.push('RestoreSecret');
      this.secrets.get(input.SecretId)!.deleted = false;
      return {};
    });
    sm.on(DeleteSecretCommand).callsFake((input: { SecretId: string; ForceDeleteWithoutRecovery: boolean }) => {
      this.calls.push('DeleteSecret');
      assert.equal(input.ForceDeleteWithoutRecovery, true);
      if (!this.secrets.has(input.SecretId)) throw awsError('ResourceNotFoundException');
      this.secrets.delete(input.SecretId);
      return {};
    });

    this.stubs.cloudformation.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
      const [, env, part] = /^booking-(\w+)-(data|app)$/.exec(input.StackName) ?? [];
      if (!env) throw awsError('ValidationError', `Stack with id ${input.StackName} does not exist`);
      const values: Record<string, string> =
        part === 'data'
          ? { DatabaseInstanceId: `booking-${env}` }
          : {
              ClusterName: `booking-${env}`,
              RestoreDrillTaskFamily: `booking-${env}-restore-drill`,
              RestoreDrillSubnetIds: 'subnet-a,subnet-b',
              RestoreDrillTaskSecurityGroupId: 'sg-task',
              RestoreDrillDatabaseSecurityGroupId: 'sg-db',
              RestoreDrillAssignPublicIp: 'ENABLED',
            };
      return {
        Stacks: [
          {
            StackName: input.StackName,
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date(0),
            Outputs: Object.entries(values).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
      };
    });
  }

  /** Advances the drill until it passes or fails, the clock moving a minute per step. */
  async runToEnd(state: DrillState, ctx = this.context()): Promise<DrillState[]> {
    const seen = [state];
    while (state.phase !== 'passed' && state.phase !== 'failed') {
      this.clock += 60_000;
      state = await advanceDrill(ctx, state);
      seen.push(state);
      assert.ok(seen.length < 1000, 'the drill ends');
    }
    return seen;
  }
}

/** A drill instance an earlier run made `ageMs` ago. */
function earlierDrill(fake: FakeDrillAws, ageMs: number, status = 'available'): string {
  const at = new Date(fake.clock - ageMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const id = `booking-dev-drill-${at}`;
  fake.instances.set(id, { status, upcoming: [], tags: [{ Key: RESTORE_DRILL.tagKey, Value: 'dev' }] });
  return id;
}

const BACKUP: BackupConfig = {
  enabled: true,
  dailyRetentionDays: 7,
  weeklyRetentionDays: 0,
  monthlyRetentionDays: 0,
  customerManagedKey: false,
  replicateBucket: false,
  drill: { monthly: true, instanceClass: 'db.t4g.micro' },
};

function configWith(backup: BackupConfig | undefined): PlatformConfig {
  return {
    ...platformConfig,
    environments: platformConfig.environments.map((e) => ({ ...e, backup })),
  };
}

const DRILL_CONFIG = configWith(BACKUP);

/** Runs `restore-drill` as the CLI does, with the fake's clock (sleeps move it) and injected interruptions. */
async function cli(
  fake: FakeDrillAws,
  env: string,
  options: Parameters<typeof runRestoreDrill>[2],
  extra: { config?: PlatformConfig; interrupts?: InterruptSource; deps?: Partial<OpsDependencies> } = {},
) {
  const out: string[] = [];
  const deps: OpsDependencies = {
    clients: () => fake.clients as OpsClients,
    sleep: async (ms) => {
      fake.clock += ms;
    },
    now: () => fake.clock,
    interactive: false,
    ask: async () => '',
    resolveNs: async () => [],
    monthlyCost: () => 0,
    pollIntervalMs: 15_000,
    ...extra.deps,
  };
  const noInterrupts: InterruptSource = { listen: () => () => undefined };
  let code = 0;
  try {
    await runRestoreDrill(
      extra.config ?? DRILL_CONFIG,
      env,
      options,
      deps,
      (t) => out.push(t),
      extra.interrupts ?? noInterrupts,
    );
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    out.push(`ERROR ${error.message}`);
    code = error.exitCode;
  }
  return { code, out: out.join('\n') };
}

describe('restore drill steps', () => {
  test('a drill restores the newest snapshot into an isolated instance, verifies it and passes, the password never in its state', async () => {
    const fake = new FakeDrillAws();
    fake.snapshot('booking-dev-before-upgrade', 'manual', '2026-11-26T10:00:00Z');
    fake.snapshot('awsbackup:job-1234', 'awsbackup', '2026-11-27T03:30:00Z');
    fake.snapshot('awsbackup:job-5678', 'awsbackup', '2026-11-27T11:00:00Z', 'creating');
    const ctx = fake.context();
    const plan = await planDrill(ctx, TARGET);
    assert.equal(plan.recoveryPoint.id, 'awsbackup:job-1234', 'the newest available one, of any type');
    assert.equal(plan.instanceId, 'booking-dev-drill-20261127120000');
    assert.deepEqual(plan.live, []);

    const started = await startDrill(ctx, plan);
    assert.equal(started.phase, 'restoring');
    const restore = fake.stubs.rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0].args[0].input;
    assert.deepEqual(restore, {
      DBInstanceIdentifier: 'booking-dev-drill-20261127120000',
      DBSnapshotIdentifier: 'arn:aws:rds:eu-west-2:111111111111:snapshot:awsbackup:job-1234',
      DBInstanceClass: 'db.t4g.micro',
      MultiAZ: false,
      PubliclyAccessible: false,
      DeletionProtection: false,
      VpcSecurityGroupIds: ['sg-db'],
      DBSubnetGroupName: 'booking-dev-isolated',
      DBParameterGroupName: 'booking-dev-postgres18',
      BackupRetentionPeriod: 0,
      CopyTagsToSnapshot: false,
      AutoMinorVersionUpgrade: false,
      Tags: [
        { Key: RESTORE_DRILL.tagKey, Value: 'dev' },
        { Key: 'Name', Value: 'booking-dev-drill-20261127120000' },
      ],
    });

    const seen = await fake.runToEnd(JSON.parse(JSON.stringify(started)));
    assert.deepEqual(
      [...new Set(seen.map((s) => s.phase))],
      ['restoring', 'resetting-password', 'verifying', 'passed'],
    );
    const passed = seen.at(-1)!;
    assert.equal(fake.instances.get(passed.instanceId)!.password, PASSWORD);
    assert.equal(fake.secrets.get(TARGET.passwordSecretName)!.value, PASSWORD);
    for (const state of seen) assert.doesNotMatch(JSON.stringify(state), new RegExp(PASSWORD));
    const run = fake.stubs.ecs.commandCalls(RunTaskCommand)[0].args[0].input;
    assert.equal(run.launchType, 'FARGATE');
    assert.deepEqual(run.networkConfiguration, {
      awsvpcConfiguration: {
        subnets: ['subnet-a', 'subnet-b'],
        securityGroups: ['sg-task'],
        assignPublicIp: 'ENABLED',
      },
    });
    assert.deepEqual(run.overrides?.containerOverrides?.[0], {
      name: 'verify',
      environment: [
        { name: 'PGHOST', value: 'booking-dev-drill-20261127120000.abc.eu-west-2.rds.amazonaws.com' },
        { name: 'PGPORT', value: '5432' },
        { name: 'PGUSER', value: 'booking_admin' },
        { name: 'PGDATABASE', value: 'booking' },
      ],
    });
    // The task only starts once RDS shows the new password applied.
    const modifyAt = fake.calls.indexOf('ModifyDBInstance');
    const describesBetween = fake.calls
      .slice(modifyAt, fake.calls.indexOf('RunTask'))
      .filter((c) => c === 'DescribeDBInstances');
    assert.ok(describesBetween.length >= 2);

    const m = drillMeasurements(passed);
    assert.equal(m.rtoMs, 2 * 60_000, 'the restore was seen available at the second look, a minute apart');
    assert.equal(m.rpoMs, Date.parse('2026-11-27T12:00:00Z') - Date.parse('2026-11-27T03:30:00Z'));
    assert.ok(m.verificationMs! > 0 && m.totalMs! > m.rtoMs!);
  });

  test('a snapshot type the API refuses is skipped; an unavailable one is never chosen; none at all refuses', async () => {
    const fake = new FakeDrillAws();
    fake.refusedTypes.add('awsbackup');
    fake.snapshot('booking-dev-manual', 'manual', '2026-11-27T06:00:00Z', 'creating');
    assert.equal((await planDrill(fake.context(), TARGET)).recoveryPoint.id, 'rds:booking-dev-2026-11-27-03-05');
    fake.snapshots.length = 0;
    await assert.rejects(planDrill(fake.context(), TARGET), /booking-dev has no available snapshot/);
  });

  test('a named snapshot, by id or ARN, must be an available snapshot of the source in its region', async () => {
    const fake = new FakeDrillAws();
    fake.snapshot('other-db-snap', 'manual', '2026-11-20T00:00:00Z', 'available', 'other-db');
    const ctx = fake.context();
    const arn = 'arn:aws:rds:eu-west-2:111111111111:snapshot:rds:booking-dev-2026-11-27-03-05';
    assert.equal((await planDrill(ctx, TARGET, { snapshot: arn })).recoveryPoint.type, 'automated');
    await assert.rejects(
      planDrill(ctx, TARGET, { snapshot: 'other-db-snap' }),
      /is of other-db, not of dev's database booking-dev/,
    );
    await assert.rejects(planDrill(ctx, TARGET, { snapshot: 'nope' }), /snapshot nope does not exist in eu-west-2/);
    await assert.rejects(
      planDrill(ctx, TARGET, { snapshot: 'arn:aws:rds:us-east-1:111111111111:snapshot:x' }),
      /is in us-east-1; the drill restores in eu-west-2/,
    );
  });

  test('a drill younger than 3 h refuses a new one, naming it; an older leftover is deleted before the restore', async () => {
    const fake = new FakeDrillAws();
    const live = earlierDrill(fake, 40 * 60_000);
    const plan = await planDrill(fake.context(), TARGET);
    assert.deepEqual(
      plan.live.map((d) => d.instanceId),
      [live],
    );
    await assert.rejects(
      startDrill(fake.context(), plan),
      (error: Error) =>
        error.name === 'DrillRefusedError' &&
        error.message.includes(
          `another restore drill of dev is running: ${live} (available, started 40 min 0 s ago)`,
        ) &&
        error.message.includes('npx booking-infra restore-drill dev --cleanup'),
    );
    assert.equal(fake.calls.includes('RestoreDBInstanceFromDBSnapshot'), false);
    assert.ok(fake.instances.has(live));

    fake.instances.delete(live);
    const stale = earlierDrill(fake, LIVE_DRILL_MS + 60_000);
    fake.secrets.set(TARGET.passwordSecretName, { value: 'old', deleted: false });
    const lines: string[] = [];
    const again = await planDrill(fake.context(), TARGET);
    assert.deepEqual(
      again.leftovers.map((d) => d.instanceId),
      [stale],
    );
    assert.match(again.steps[0], /delete what killed drills left behind/);
    await startDrill(fake.context({ log: (l) => lines.push(l) }), again);
    assert.equal(fake.instances.has(stale), false);
    assert.equal(fake.secrets.has(TARGET.passwordSecretName), false, 'the stale secret went with it');
    assert.ok(fake.calls.indexOf('DeleteDBInstance') < fake.calls.indexOf('RestoreDBInstanceFromDBSnapshot'));
    assert.match(lines.join('\n'), new RegExp(`instance ${stale}: gone`));
  });

  test('a failed verification fails the drill with the exit code, the reason and where the logs are', async () => {
    const fake = new FakeDrillAws();
    fake.exitCode = 3;
    const ctx = fake.context();
    const seen = await fake.runToEnd(await startDrill(ctx, await planDrill(ctx, TARGET)));
    const failed = seen.at(-1)!;
    assert.equal(failed.phase, 'failed');
    assert.equal(failed.exitCode, 3);
    assert.match(
      failed.failure!,
      /verification failed: the verify container of task task1 exited with code 3 \(Essential container in task exited\); logs: log group \/booking\/dev\/restore-drill, stream drill\/verify\/task1/,
    );
    assert.ok(drillMeasurements(failed).rtoMs! > 0, 'the restore time is still measured');
  });

  test('an AWS error in a step fails the drill, naming the step, and never throws', async () => {
    const fake = new FakeDrillAws();
    const ctx = fake.context();
    const state = await startDrill(ctx, await planDrill(ctx, TARGET));
    fake.stubs.rds.on(ModifyDBInstanceCommand).rejects(awsError('InvalidParameterValue', 'bad password'));
    const seen = await fake.runToEnd(state);
    assert.equal(seen.at(-1)!.phase, 'failed');
    assert.equal(seen.at(-1)!.failure, 'while waiting for the restore: InvalidParameterValue: bad password');
    assert.ok(seen.at(-1)!.availableAt, 'what was measured before the error is kept');
  });

  test('a restore request that errors (it may have gone out) fails the drill, and cleanup deletes the instance by id', async () => {
    const fake = new FakeDrillAws();
    const ctx = fake.context();
    const plan = await planDrill(ctx, TARGET);
    // RDS accepted the restore, then the answer was lost (a timeout): the instance exists.
    fake.stubs.rds.on(RestoreDBInstanceFromDBSnapshotCommand).callsFake(() => {
      fake.instances.set(plan.instanceId, { status: 'creating', upcoming: [], tags: [] });
      throw awsError('TimeoutError', 'socket hang up');
    });
    const state = await startDrill(ctx, plan);
    assert.equal(state.phase, 'failed');
    assert.equal(state.failure, 'the restore request failed: TimeoutError: socket hang up');
    assert.ok(fake.instances.has(plan.instanceId));
    await cleanUpDrill(ctx, state);
    assert.equal(fake.instances.has(plan.instanceId), false, 'the instance the lost answer created is deleted');
  });

  test('a restore that is never available fails after 2 h', async () => {
    const fake = new FakeDrillAws();
    fake.restoreDescribes = 10_000;
    const ctx = fake.context();
    const seen = await fake.runToEnd(await startDrill(ctx, await planDrill(ctx, TARGET)));
    assert.match(seen.at(-1)!.failure!, /was still creating 2 h 0 min after the restore began/);
    assert.equal(seen.length, RESTORE_TIMEOUT_MS / 60_000 + 2);
  });

  test('a leftover secret (even one scheduled for deletion) is reused', async () => {
    const fake = new FakeDrillAws();
    fake.secrets.set(TARGET.passwordSecretName, { value: 'old', deleted: true });
    const ctx = fake.context();
    // Not swept: a young drill instance (from this very run) is what the sweep leaves alone.
    const state = await startDrill(ctx, await planDrill(ctx, TARGET));
    fake.secrets.set(TARGET.passwordSecretName, { value: 'old', deleted: true });
    const seen = await fake.runToEnd(state);
    assert.equal(seen.at(-1)!.phase, 'passed');
    assert.deepEqual(fake.secrets.get(TARGET.passwordSecretName), { value: PASSWORD, deleted: false });
    assert.ok(fake.calls.includes('RestoreSecret'));
  });
});

describe('restore drill cleanup', () => {
  test('deletes the task, the instance and the secret; a second run finds nothing and is complete too', async () => {
    const fake = new FakeDrillAws();
    fake.taskPolls = 10_000;
    const ctx = fake.context();
    let state = await startDrill(ctx, await planDrill(ctx, TARGET));
    while (state.phase !== 'verifying') state = await advanceDrill(ctx, ((fake.clock += 60_000), state));
    const first = await cleanUpDrill(ctx, state);
    assert.deepEqual(
      first.entries.map((e) => `${e.resource} ${e.outcome}`),
      ['task removed', 'instance removed', 'secret removed'],
    );
    assert.equal(first.complete, true);
    assert.deepEqual(fake.drillInstances(), []);
    assert.equal(fake.secrets.size, 0);
    assert.ok(fake.instances.has('booking-dev'), 'the source is untouched');
    const second = await cleanUpDrill(ctx, state);
    assert.deepEqual(
      second.entries.map((e) => `${e.resource} ${e.outcome}`),
      ['task absent', 'instance absent', 'secret absent'],
    );
    assert.equal(second.complete, true);
  });

  test('an instance RDS cannot delete yet is pending (retryable), not lost', async () => {
    const fake = new FakeDrillAws();
    fake.undeletableWhile = 'creating';
    const ctx = fake.context();
    const state = await startDrill(ctx, await planDrill(ctx, TARGET));
    const pending = await cleanUpDrill(ctx, state);
    assert.equal(pending.complete, false);
    assert.equal(pending.retryable, true);
    assert.equal(pending.entries.find((e) => e.resource === 'instance')!.outcome, 'pending');
    fake.undeletableWhile = undefined;
    assert.equal((await cleanUpDrill(ctx, state)).complete, true);
  });

  test('never deletes the source database, whatever a state says', async () => {
    const fake = new FakeDrillAws();
    const result = await cleanUpDrill(fake.context(), { target: TARGET, instanceId: 'booking-dev' });
    assert.equal(result.entries[0].outcome, 'failed');
    assert.equal(result.complete, false);
    assert.equal(result.retryable, false);
    assert.ok(fake.instances.has('booking-dev'));
    assert.equal(fake.calls.includes('DeleteDBInstance'), false);
  });

  test('a sweep of stale leftovers leaves a live drill, its task and its secret alone; a full sweep takes everything', async () => {
    const fake = new FakeDrillAws();
    const stale = earlierDrill(fake, LIVE_DRILL_MS + 1);
    const live = earlierDrill(fake, 10 * 60_000);
    fake.secrets.set(TARGET.passwordSecretName, { value: 'live', deleted: false });
    fake.tasks.set('arn:task/live', { family: TARGET.taskFamily, polls: 0, stopped: false });
    const partial = await sweepDrills(fake.context(), TARGET, { olderThanMs: LIVE_DRILL_MS });
    assert.deepEqual(
      partial.entries.map((e) => e.id),
      [stale],
    );
    assert.deepEqual(fake.drillInstances(), [live]);
    assert.ok(fake.secrets.has(TARGET.passwordSecretName));
    const all = await sweepDrills(fake.context(), TARGET, { olderThanMs: 0 });
    assert.deepEqual(
      all.entries.map((e) => `${e.resource} ${e.outcome}`),
      ['instance removed', 'task removed', 'secret removed'],
    );
    assert.deepEqual(fake.drillInstances(), []);
    assert.equal(fake.tasks.get('arn:task/live')!.stopped, true);
  });
});

describe('restore drill cost', () => {
  test('one drill is an hour of the class and its storage plus the task, from the price table', () => {
    const cost = drillCostUsd('eu-west-2', {
      instanceClass: 'db.t4g.micro',
      storageGiB: 20,
      storageType: 'gp3',
      task: { vcpu: 0.25, memoryGiB: 0.5, architecture: 'arm64' },
    });
    assert.deepEqual(cost.unpriced, []);
    assert.ok(cost.totalUsd > 0.01 && cost.totalUsd < 0.1, String(cost.totalUsd));
    const unpriced = drillCostUsd('eu-west-2', {
      instanceClass: 'db.x9.huge',
      storageGiB: 20,
      storageType: 'gp3',
      task: { vcpu: 0.25, memoryGiB: 0.5, architecture: 'arm64' },
    });
    assert.deepEqual(unpriced.unpriced, ['db.x9.huge Single-AZ, 1 h']);
  });
});

describe('restore-drill command', () => {
  test('prints the plan with the recovery point age and the cost, and --dry-run creates nothing', async () => {
    const fake = new FakeDrillAws();
    const result = await cli(fake, 'dev', { dryRun: true });
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /Restore drill of dev \(eu-west-2\):/);
    assert.match(
      result.out,
      /recovery point: rds:booking-dev-2026-11-27-03-05 \(automated\), taken 2026-11-27T03:05:00.000Z, 8 h 55 min old/,
    );
    assert.match(result.out, /drill instance: booking-dev-drill-20261127120000 \(db.t4g.micro, Single-AZ\)/);
    assert.match(result.out, /cost of one drill: about 0\.0\d USD/);
    assert.match(result.out, /Dry run: nothing was created/);
    assert.deepEqual(
      fake.calls.filter((c) => !c.startsWith('Describe')),
      [],
    );
  });

  test('a passing drill prints RTO, verification, total and RPO, then the cleanup of each resource', async () => {
    const fake = new FakeDrillAws();
    const result = await cli(fake, 'dev', {});
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /Restore drill of dev PASSED/);
    assert.match(result.out, /RTO \(restore until available\): \d+ s/);
    assert.match(result.out, /RPO \(age of the recovery point when the drill began\): 8 h 55 min/);
    assert.match(
      result.out,
      /Cleanup:\n {2}task task1: nothing to delete \(already stopped\)\n {2}instance booking-dev-drill-\d+: gone/,
    );
    assert.match(result.out, /everything it made is deleted/);
    assert.deepEqual(fake.drillInstances(), []);
    assert.equal(fake.secrets.size, 0);
  });

  test('a failed verification cleans up and exits non-zero', async () => {
    const fake = new FakeDrillAws();
    fake.exitCode = 1;
    const result = await cli(fake, 'dev', {});
    assert.equal(result.code, 1);
    assert.match(result.out, /FAILED: verification failed: .* exited with code 1/);
    assert.match(result.out, /ERROR restore drill of dev failed \(see above\); everything it made is deleted/);
    assert.deepEqual(fake.drillInstances(), []);
  });

  test('an interruption stops the run, deletes what it made and exits 130', async () => {
    const fake = new FakeDrillAws();
    fake.taskPolls = 10_000;
    let interrupt!: (signal: NodeJS.Signals) => void;
    let listening = false;
    const interrupts: InterruptSource = {
      listen: (handler) => {
        interrupt = handler;
        listening = true;
        return () => (listening = false);
      },
    };
    const result = await cli(
      fake,
      'dev',
      {},
      {
        interrupts,
        deps: {
          sleep: async (ms) => {
            fake.clock += ms;
            if (fake.calls.includes('RunTask')) interrupt('SIGINT');
          },
        },
      },
    );
    assert.equal(result.code, 130, result.out);
    assert.match(result.out, /SIGINT: stopping the drill; deleting what it made first/);
    assert.match(result.out, /task task1: gone \(stopped\)/);
    assert.deepEqual(fake.drillInstances(), []);
    assert.equal(fake.secrets.size, 0);
    assert.equal(listening, false, 'the signal handlers are removed');
  });

  test('production asks for the environment name; without a terminal it needs --yes', async () => {
    const fake = new FakeDrillAws();
    fake.instances.set('booking-prod', { status: 'available', upcoming: [], tags: [] });
    fake.snapshot(
      'rds:booking-prod-2026-11-27-03-05',
      'automated',
      '2026-11-27T03:05:00Z',
      'available',
      'booking-prod',
    );
    const refused = await cli(fake, 'prod', {});
    assert.equal(refused.code, 1);
    assert.match(refused.out, /refusing to run a restore drill in prod without --yes/);
    assert.equal(fake.calls.includes('RestoreDBInstanceFromDBSnapshot'), false);
    const wrong = await cli(fake, 'prod', {}, { deps: { interactive: true, ask: async () => 'dev' } });
    assert.match(wrong.out, /not confirmed; nothing was created/);
    assert.equal(fake.calls.includes('RestoreDBInstanceFromDBSnapshot'), false);
  });

  test('without backup in the config or without the drill outputs, it says to enable backup and deploy', async () => {
    const fake = new FakeDrillAws();
    const noBackup = await cli(fake, 'dev', {}, { config: configWith(undefined) });
    assert.equal(noBackup.code, 1);
    assert.match(
      noBackup.out,
      /dev has no restore drill: set backup.enabled \(and backup.drill\) for dev in src\/config\/dev.ts and deploy/,
    );
    fake.stubs.cloudformation.on(DescribeStacksCommand, { StackName: 'booking-dev-app' }).resolves({
      Stacks: [
        { StackName: 'booking-dev-app', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(0), Outputs: [] },
      ],
    });
    await assert.rejects(
      drillTargetFromStacks(fake.clients.cloudformation, DRILL_CONFIG.shared, DRILL_CONFIG.environments[0]),
      /has no output ClusterName, RestoreDrillTaskFamily, .*: the restore drill is not deployed \(set backup.enabled/,
    );
  });

  test('--cleanup deletes every drill instance of the environment, however young', async () => {
    const fake = new FakeDrillAws();
    const young = earlierDrill(fake, 5 * 60_000);
    const dry = await cli(fake, 'dev', { cleanup: true, dryRun: true });
    assert.match(
      dry.out,
      new RegExp(`instance ${young} \\(available, started 5 min 0 s ago\\): that drill may still be running`),
    );
    assert.deepEqual(fake.drillInstances(), [young]);
    const result = await cli(fake, 'dev', { cleanup: true });
    assert.equal(result.code, 0, result.out);
    assert.deepEqual(fake.drillInstances(), []);
  });
});

describe('restore drill Lambda', () => {
  const variables = {
    AWS_REGION: 'eu-west-2',
    [RESTORE_DRILL_VARIABLES.environment]: 'dev',
    [RESTORE_DRILL_VARIABLES.appName]: 'booking',
    [RESTORE_DRILL_VARIABLES.sourceInstanceId]: 'booking-dev',
    [RESTORE_DRILL_VARIABLES.instanceClass]: 'db.t4g.micro',
    [RESTORE_DRILL_VARIABLES.cluster]: 'booking-dev',
    [RESTORE_DRILL_VARIABLES.taskFamily]: 'booking-dev-restore-drill',
    [RESTORE_DRILL_VARIABLES.subnetIds]: 'subnet-a,subnet-b',
    [RESTORE_DRILL_VARIABLES.taskSecurityGroupId]: 'sg-task',
    [RESTORE_DRILL_VARIABLES.databaseSecurityGroupId]: 'sg-db',
    [RESTORE_DRILL_VARIABLES.assignPublicIp]: 'DISABLED',
  };
  const deps = (fake: FakeDrillAws) => ({
    clients: fake.clients,
    variables,
    now: () => fake.clock,
    log: () => undefined,
  });

  test('start, advance through JSON until passed, then cleanup returns the verdict', async () => {
    const fake = new FakeDrillAws();
    let state = (await handler({ action: 'start' }, undefined, deps(fake))) as DrillState;
    assert.equal(state.target.assignPublicIp, 'DISABLED');
    while (state.phase !== 'passed' && state.phase !== 'failed') {
      fake.clock += 60_000;
      state = JSON.parse(JSON.stringify(await handler({ action: 'advance', state }, undefined, deps(fake))));
    }
    assert.equal(state.phase, 'passed');
    const result = (await handler({ action: 'cleanup', state }, undefined, deps(fake))) as CleanupResult;
    assert.equal(result.passed, true);
    assert.match(
      result.message,
      /^restore drill of dev passed \(recovery point rds:booking-dev-.*; RTO 2 min 0 s, .*RPO 8 h 55 min\)$/,
    );
    assert.deepEqual(fake.drillInstances(), []);
  });

  test('a cleanup that cannot delete everything throws, retryable by its name', async () => {
    const fake = new FakeDrillAws();
    fake.undeletableWhile = 'creating';
    const state = (await handler({ action: 'start' }, undefined, deps(fake))) as DrillState;
    await assert.rejects(
      handler({ action: 'cleanup', state }, undefined, deps(fake)),
      (error: Error) =>
        error.name === 'RestoreDrillCleanupPending' &&
        /could not delete instance booking-dev-drill/.test(error.message),
    );
  });

  test('a cleanup with a null state (the start failed) only sweeps stale leftovers', async () => {
    const fake = new FakeDrillAws();
    const live = earlierDrill(fake, 10 * 60_000);
    const stale = earlierDrill(fake, LIVE_DRILL_MS + 1);
    await assert.rejects(
      handler({ action: 'start' }, undefined, deps(fake)),
      /another restore drill of dev is running/,
    );
    // The state machine's Init passes `state: null` when the start failed.
    const result = (await handler({ action: 'cleanup', state: null }, undefined, deps(fake))) as CleanupResult;
    assert.equal(result.passed, false);
    assert.deepEqual(fake.drillInstances(), [live]);
    assert.equal(fake.instances.has(stale), false);
  });
});
