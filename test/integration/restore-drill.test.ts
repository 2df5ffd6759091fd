/**
 * `booking-infra restore-drill` against moto, the AWS API emulator: the snapshot, the restored
 * instance, the password secret and the verification task are moto's. After each run the test
 * asks moto (not the CLI's words) what is left: nothing the drill made may remain, whether it
 * passed, failed its check, hit an injected fault, was interrupted, or was killed and swept.
 * moto runs no container: the proxy's setTaskRun decides how the verification task ends.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ListTasksCommand } from '@aws-sdk/client-ecs';
import { CreateDBSnapshotCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { runRestoreDrill, type RestoreDrillOptions } from '../../src/cli/commands/restore-drill';
import { CliError } from '../../src/cli/errors';
import { platformConfig } from '../../src/config';
import { RESTORE_DRILL } from '../../src/ops/contracts';
import {
  cliDependencies,
  cliProcessEnvironment,
  motoSuite,
  seedEnvironment,
  type SeededEnvironment,
  withRestoreDrill,
} from './environment';
import { resetMoto } from './moto';

const CONFIG = withRestoreDrill(platformConfig);
const PREFIX = RESTORE_DRILL.instancePrefix('booking', 'dev');
const SNAPSHOT = 'booking-dev-before-drill';

/**
 * The real CLI command in its own process, so a real signal reaches its real handlers. It runs
 * the command's function rather than bin/booking-infra.js for two settings the bin does not take:
 * a 200 ms poll (the bin's 15 s would make each test wait) and the test's backup settings
 * (DRILL_BACKUP), so the test does not depend on what the committed config enables.
 */
const CHILD_SCRIPT = `
require('tsx/cjs/api').register();
const { platformConfig } = require('./src/config');
const { defaultOpsDependencies } = require('./src/cli/commands/ops.ts');
const { runRestoreDrill } = require('./src/cli/commands/restore-drill.ts');
const backup = JSON.parse(process.env.DRILL_BACKUP);
const config = { ...platformConfig, environments: platformConfig.environments.map((e) => (e.name === 'dev' ? { ...e, backup } : e)) };
runRestoreDrill(config, 'dev', {}, { ...defaultOpsDependencies, pollIntervalMs: 200 }, (t) => process.stdout.write(t + '\\n')).then(
  () => { process.exitCode = 0; },
  (e) => { process.stderr.write('booking-infra: ' + e.message + '\\n'); process.exitCode = e.exitCode ?? 1; },
);
`;

describe('restore-drill against moto', () => {
  let seeded: SeededEnvironment;
  let children: ChildProcess[] = [];

  const suite = motoSuite();
  const clients = () => suite.clients();

  /** The command in-process, on a clock that sleeps move (no real waiting); its exit code and output. */
  async function drill(options: RestoreDrillOptions = {}, overrides: Partial<OpsDependencies> = {}) {
    let clock = Date.now();
    const deps = cliDependencies(clients, {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
        await new Promise((resolve) => setImmediate(resolve));
      },
      pollIntervalMs: 15_000,
      ...overrides,
    });
    const out: string[] = [];
    let code = 0;
    try {
      await runRestoreDrill(CONFIG, 'dev', options, deps, (t) => out.push(t), { listen: () => () => undefined });
    } catch (error) {
      out.push(`booking-infra: ${error instanceof Error ? error.message : String(error)}`);
      code = error instanceof CliError ? error.exitCode : 1;
    }
    return { code, out: out.join('\n') };
  }

  /** What moto holds of the drill's making: instances by prefix, the secret, running drill tasks. */
  async function leftovers() {
    const instances = ((await suite.harness.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [])
      .map((i) => i.DBInstanceIdentifier ?? '')
      .filter((id) => id.startsWith(PREFIX));
    let secret = true;
    try {
      await suite.harness.secretsmanager.send(
        new DescribeSecretCommand({ SecretId: seeded.restoreDrill!.passwordSecretName }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      secret = false;
    }
    const runningTasks =
      (
        await suite.harness.ecs.send(
          new ListTasksCommand({ cluster: seeded.clusterName, startedBy: 'restore-drill', desiredStatus: 'RUNNING' }),
        )
      ).taskArns ?? [];
    return { instances, secret, runningTasks };
  }
  const NOTHING = { instances: [], secret: false, runningTasks: [] };

  async function sourceStatus() {
    const answer = await suite.harness.rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: seeded.databaseId }),
    );
    return answer.DBInstances?.[0]?.DBInstanceStatus;
  }

  /** Starts the CLI in its own process and waits until its drill has written the password secret. */
  async function childDrillUnderway(): Promise<{
    child: ChildProcess;
    exited: Promise<number | null>;
    output: () => string;
  }> {
    const backup = CONFIG.environments.find((e) => e.name === 'dev')!.backup;
    const child = spawn(process.execPath, ['-e', CHILD_SCRIPT], {
      env: { ...cliProcessEnvironment(suite.proxy.endpoint), DRILL_BACKUP: JSON.stringify(backup) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Past the restore and the password reset: it waits for RDS to apply the password (30 s).
    for (let i = 0; i < 600 && !(await leftovers()).secret; i++) {
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const now = await leftovers();
    assert.equal(now.secret, true, `the drill got as far as the secret:\n${output}`);
    assert.equal(now.instances.length, 1);
    return { child, exited, output: () => output };
  }

  beforeEach(async () => {
    await resetMoto(suite.moto.endpoint);
    suite.proxy.reset();
    seeded = await seedEnvironment(suite.moto.endpoint, { env: 'dev', restoreDrill: true });
    await suite.harness.rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: seeded.databaseId, DBSnapshotIdentifier: SNAPSHOT }),
    );
  });
  afterEach(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children = [];
  });

  test('a passing drill restores the newest snapshot, verifies it with the password it set, and leaves nothing behind', async () => {
    suite.proxy.setTaskRun(seeded.restoreDrill!.taskFamily, { exitCode: 0, afterPolls: 2 });
    const result = await drill();
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /Restore drill of dev PASSED/);
    assert.match(result.out, /RTO \(restore until available\): /);
    assert.match(result.out, /RPO \(age of the recovery point when the drill began\): /);

    const restore = suite.proxy.calls('rds:RestoreDBInstanceFromDBSnapshot')[0].input;
    assert.match(String(restore.DBSnapshotIdentifier), new RegExp(`snapshot:${SNAPSHOT}$`), 'the newest snapshot');
    assert.equal(restore.DBInstanceClass, 'db.t4g.micro');
    assert.equal(restore.PubliclyAccessible, 'false');
    assert.equal(restore.MultiAZ, 'false');
    assert.equal(restore['VpcSecurityGroupIds.VpcSecurityGroupId.1'], seeded.restoreDrill!.databaseSecurityGroupId);
    const password = suite.proxy.calls('rds:ModifyDBInstance')[0].input.MasterUserPassword;
    assert.equal(suite.proxy.calls('secretsmanager:CreateSecret')[0].input.SecretString, password);
    assert.doesNotMatch(result.out, new RegExp(String(password)));
    const run = suite.proxy.calls('ecs:RunTask')[0].input as any;
    assert.deepEqual(run.networkConfiguration.awsvpcConfiguration.securityGroups, [
      seeded.restoreDrill!.taskSecurityGroupId,
    ]);
    const environment = Object.fromEntries(
      run.overrides.containerOverrides[0].environment.map((v: { name: string; value: string }) => [v.name, v.value]),
    );
    assert.equal(environment.PGDATABASE, 'booking');
    assert.equal(environment.PGUSER, 'booking');
    assert.match(environment.PGHOST, new RegExp(`^${PREFIX}\\d{14}\\.`));

    assert.deepEqual(await leftovers(), NOTHING);
    assert.equal(await sourceStatus(), 'available', 'the source database is untouched');
  });

  test('a failing verification (exit code 1) fails the command and leaves nothing behind', async () => {
    suite.proxy.setTaskRun(seeded.restoreDrill!.taskFamily, { exitCode: 1 });
    const result = await drill();
    assert.equal(result.code, 1);
    assert.match(result.out, /FAILED: verification failed: the verify container of task \S+ exited with code 1/);
    assert.match(result.out, /logs: log group \/booking\/dev\/restore-drill, stream drill\/verify\//);
    assert.deepEqual(await leftovers(), NOTHING);
  });

  test('a fault after the secret was written (ModifyDBInstance) still deletes the instance and the secret', async () => {
    suite.proxy.failNext('rds:ModifyDBInstance', { code: 'InvalidParameterCombination', message: 'injected' });
    const result = await drill();
    assert.equal(result.code, 1);
    assert.match(result.out, /FAILED: while waiting for the restore: InvalidParameterCombination: injected/);
    assert.equal(suite.proxy.count('secretsmanager:CreateSecret'), 1);
    assert.deepEqual(await leftovers(), NOTHING);
  });

  test('a fault starting the verification task (RunTask) still deletes everything', async () => {
    suite.proxy.failNext('ecs:RunTask', { code: 'ClientException', message: 'injected' });
    const result = await drill();
    assert.equal(result.code, 1);
    assert.match(result.out, /FAILED: while resetting the master password: ClientException: injected/);
    assert.deepEqual(await leftovers(), NOTHING);
  });

  test('a deletion that fails is reported loudly with the way out, and --cleanup finishes it', async () => {
    suite.proxy.setTaskRun(seeded.restoreDrill!.taskFamily, { exitCode: 0 });
    suite.proxy.failNext('rds:DeleteDBInstance', { message: 'injected' });
    const result = await drill();
    assert.equal(result.code, 1);
    assert.match(result.out, /instance booking-dev-drill-\d+: NOT DELETED \(InjectedFault: injected\)/);
    assert.match(result.out, /could not delete instance booking-dev-drill-\d+ .*restore-drill dev --cleanup/);
    assert.equal((await leftovers()).instances.length, 1);
    const cleanup = await drill({ cleanup: true });
    assert.equal(cleanup.code, 0, cleanup.out);
    assert.deepEqual(await leftovers(), NOTHING);
  });

  test('--dry-run prints the plan and the cost, and creates nothing', async () => {
    const result = await drill({ dryRun: true });
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, new RegExp(`recovery point: ${SNAPSHOT} \\(manual\\)`));
    assert.match(result.out, /cost of one drill: about \d+\.\d\d USD/);
    assert.match(result.out, /Dry run: nothing was created/);
    const mutating = suite.proxy
      .operations()
      .filter((op) => !/:(Describe|List|Get)/.test(op))
      .filter((op) => op !== 'cloudformation:DescribeStacks');
    assert.deepEqual(mutating, []);
    assert.deepEqual(await leftovers(), NOTHING);
  });

  test('SIGINT during the run: the real process deletes what it made and exits 130', async () => {
    const { child, exited, output } = await childDrillUnderway();
    child.kill('SIGINT');
    assert.equal(await exited, 130, output());
    assert.match(output(), /SIGINT: stopping the drill; deleting what it made first/);
    assert.deepEqual(await leftovers(), NOTHING);
  });

  test('a killed run: the next drill is refused while it may be live, and --cleanup deletes what it left', async () => {
    const { child, exited } = await childDrillUnderway();
    child.kill('SIGKILL');
    await exited;
    const left = await leftovers();
    assert.equal(left.instances.length, 1);
    assert.equal(left.secret, true);
    const refused = await drill();
    assert.equal(refused.code, 1);
    assert.match(refused.out, new RegExp(`another restore drill of dev is running: ${left.instances[0]}`));
    assert.equal(suite.proxy.count('rds:RestoreDBInstanceFromDBSnapshot'), 1, 'only the killed run restored');
    const cleanup = await drill({ cleanup: true });
    assert.equal(cleanup.code, 0, cleanup.out);
    assert.match(cleanup.out, /that drill may still be running/);
    assert.deepEqual(await leftovers(), NOTHING);
  });
});
