/**
 * `minimal` with dev's cache as an ECS task (`cache.hosting: 'task'`, the service booking-dev-cache,
 * ops role 'cache') against moto, the AWS API emulator, end to end with the deploys in between. The
 * database is kept stopped while minimal (`whileMinimal: 'stopped'`): the snapshot mode has its
 * own end-to-end test (environment-state.test.ts); this one is about the cache task.
 *
 * moto places no task for a service, so the test plays the ECS scheduler for the cache service
 * (cacheScheduler): when its desired count changes, a Valkey task is run or stopped in moto, and
 * the queue-depth publisher, which reads Valkey, publishes a QueuedJobs measurement once it runs.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { DeleteReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { platformConfig } from '../../src/config';
import { type CustomResourceEvent, handler, type HandlerDependencies } from '../../src/lambda/ops/index';
import { createClients, type OpsClients } from '../../src/ops/clients';
import {
  APP_CONTAINER_NAME,
  QUEUE_BACKLOG_METRIC,
  STACK_OUTPUTS,
  type StackPart,
  stackName,
} from '../../src/ops/contracts';
import { EnvironmentOperations } from '../../src/ops/operations';
import { discoverResources } from '../../src/ops/resources';
import type { ServiceRole } from '../../src/ops/state-store';
import { devWhileMinimal, runWithConfig } from '../ops/ops-cli';
import { type AwsProxy, startAwsProxy } from './aws-proxy';
import {
  clientsFor,
  cliDependencies,
  destroyClients,
  publishBacklog,
  readEnvironment,
  seedEnvironment,
  type SeededEnvironment,
  TEST_CREDENTIALS,
} from './environment';
import { type Moto, resetMoto, sharedMoto } from './moto';

const dev = platformConfig.environments.find((env) => env.name === 'dev')!;
/** The committed dev (its cache a task) with the database kept stopped while minimal. */
const STOPPED_WHILE_MINIMAL = devWhileMinimal('stopped');
const CLUSTER = 'booking-dev';
const CACHE = 'booking-dev-cache';

interface Capacity {
  readonly desired: number;
  readonly min: number;
  readonly max: number;
}

describe('minimal with the cache task (cache.hosting: task) against moto', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let seeded: SeededEnvironment;
  /** Clients straight to moto: what CloudFormation, ECS and the publisher do (not in the proxy's log). */
  let aws: OpsClients;
  const opened: OpsClients[] = [];
  /** What the publisher measures whenever a cache task starts: the messages held on EFS. */
  let heldOnEfs = 0;

  const networkConfiguration = () => ({
    awsvpcConfiguration: {
      subnets: [...seeded.network.subnetIds],
      securityGroups: [seeded.network.securityGroupId],
      assignPublicIp: 'ENABLED' as const,
    },
  });

  /** The cache service's tasks ECS means to keep running (moto: every task of its family). */
  async function runningCacheTasks(): Promise<string[]> {
    const listed = await aws.ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, family: CACHE, desiredStatus: 'RUNNING' }),
    );
    return listed.taskArns ?? [];
  }

  /**
   * The ECS scheduler moto lacks, for the cache service: runs a Valkey task when `desired` is 1 and
   * none runs (the publisher then measures the queues it holds), stops it when `desired` is 0.
   */
  async function cacheScheduler(desired: number): Promise<void> {
    const running = await runningCacheTasks();
    if (desired > 0 && running.length === 0) {
      await aws.ecs.send(
        new RunTaskCommand({
          cluster: CLUSTER,
          taskDefinition: CACHE,
          launchType: 'FARGATE',
          startedBy: `ecs-svc/${CACHE}`,
          networkConfiguration: networkConfiguration(),
        }),
      );
      // The publisher's measurement of what this Valkey holds, stamped 30 s on: after the drain or
      // the start that follows it within the test, as the count requires.
      await publishBacklog(moto.endpoint, heldOnEfs, {
        metricName: QUEUE_BACKLOG_METRIC.queuedJobs,
        timestamp: new Date(Date.now() + 30_000),
      });
    }
    if (desired === 0) {
      for (const task of running) {
        await aws.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task, reason: 'Scaling activity' }));
      }
    }
  }

  /** The CLI's own clients through the proxy; their UpdateService of the cache drives cacheScheduler. */
  const clients = () => {
    const made = createClients('eu-west-2', { endpoint: proxy.endpoint, credentials: TEST_CREDENTIALS });
    made.ecs.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = args.input as UpdateServiceCommandInput;
        if (
          context.commandName === 'UpdateServiceCommand' &&
          input.service === CACHE &&
          input.desiredCount !== undefined
        )
          await cacheScheduler(input.desiredCount);
        return result;
      },
      { step: 'initialize', name: 'emulatedCacheScheduler' },
    );
    opened.push(made);
    return made;
  };
  const cli = (args: string[], overrides: Partial<OpsDependencies> = {}) =>
    runWithConfig(STOPPED_WHILE_MINIMAL, args, cliDependencies(clients, overrides));

  /** Each service's desired count and scaling bounds in moto; absent once deleted. */
  async function services(): Promise<Partial<Record<ServiceRole, Capacity>>> {
    const names = { web: 'booking-dev-web', worker: 'booking-dev-worker', cache: CACHE } as const;
    const described = await aws.ecs.send(
      new DescribeServicesCommand({ cluster: CLUSTER, services: Object.values(names) }),
    );
    const targets = await aws.autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }));
    const result: Partial<Record<ServiceRole, Capacity>> = {};
    for (const [role, name] of Object.entries(names) as Array<[ServiceRole, string]>) {
      const service = described.services?.find((s) => s.serviceName === name && s.status === 'ACTIVE');
      if (!service) continue;
      const target = targets.ScalableTargets?.find((t) => t.ResourceId === `service/${CLUSTER}/${name}`);
      result[role] = {
        desired: service.desiredCount ?? 0,
        min: target?.MinCapacity ?? 0,
        max: target?.MaxCapacity ?? 0,
      };
    }
    return result;
  }
  const database = async () => (await readEnvironment(moto.endpoint)).database;
  const record = async () => {
    const item = (await readEnvironment(moto.endpoint)).items.find((i) => i.pk === 'state');
    return item ? JSON.parse(item.record as string) : undefined;
  };

  /**
   * What the ops code changed and waited on since `from` (an index into the proxy's log), repeats
   * merged: scaling bounds, desired counts, the database, the queue measurements read, and the
   * cache task listed (RUNNING: waiting for it to run; STOPPED: waiting for Valkey to exit).
   */
  function events(from: number): string[] {
    const seen: string[] = [];
    for (const call of proxy.calls().slice(from)) {
      const input = call.input as Record<string, any>;
      let event: string | undefined;
      switch (`${call.service}:${call.operation}`) {
        case 'application-autoscaling:RegisterScalableTarget':
          event = `RegisterScalableTarget ${input.ResourceId.split('/')[2]} ${input.MinCapacity}..${input.MaxCapacity}`;
          break;
        case 'ecs:UpdateService':
          event = `UpdateService ${input.service} ${input.desiredCount}`;
          break;
        case 'ecs:ListTasks':
          if (input.serviceName) event = `ListTasks ${input.serviceName} ${input.desiredStatus}`;
          break;
        case 'monitoring:GetMetricData':
        case 'rds:StartDBInstance':
        case 'rds:StopDBInstance':
          event = call.operation;
      }
      if (event && event !== seen.at(-1)) seen.push(event);
    }
    return seen;
  }

  /** A stack's outputs as a deploy leaves them (moto's stacks hold nothing but their outputs). */
  async function setOutputs(part: StackPart, outputs: Record<string, string>): Promise<void> {
    const template = {
      Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
      Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
    };
    await aws.cloudformation.send(
      new UpdateStackCommand({
        StackName: stackName(platformConfig.shared.appName, 'dev', part),
        TemplateBody: JSON.stringify(template),
      }),
    );
  }

  /** The app stack's outputs: the minimal structure's, or with the services (the cache's included). */
  const appOutputs = (structure: 'running' | 'minimal') => ({
    [STACK_OUTPUTS.app.clusterName]: CLUSTER,
    [STACK_OUTPUTS.app.apiUrl]: `https://${dev.apiHost}/`,
    [STACK_OUTPUTS.app.migrateTaskDefinition]: seeded.migrateFamily,
    ...(structure === 'running'
      ? {
          [STACK_OUTPUTS.app.webServiceName]: 'booking-dev-web',
          [STACK_OUTPUTS.app.workerServiceName]: 'booking-dev-worker',
          [STACK_OUTPUTS.app.cacheServiceName]: CACHE,
        }
      : {}),
  });

  /** A service with its scalable target, as the app stack creates it (no task placed yet). */
  async function createService(role: ServiceRole, bounds: { min: number; max: number }): Promise<void> {
    const name = `booking-dev-${role}`;
    await aws.ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: name,
        taskDefinition: name,
        desiredCount: bounds.min,
        launchType: 'FARGATE',
        networkConfiguration: networkConfiguration(),
      }),
    );
    await aws.autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: `service/${CLUSTER}/${name}`,
        MinCapacity: bounds.min,
        MaxCapacity: bounds.max,
      }),
    );
    if (role === 'cache') await cacheScheduler(bounds.min);
  }

  /**
   * dev running in moto as src/config/dev.ts builds it: web 1 task 1..2, worker 1 task 0..2, the
   * cache service 1 task 1..1 with its Valkey task running, and no ElastiCache replication group.
   */
  async function seedWithCacheTask(): Promise<void> {
    seeded = await seedEnvironment(moto.endpoint, { worker: { desired: 1 } });
    await aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: CACHE,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: APP_CONTAINER_NAME, image: 'valkey', essential: true, memory: 512 }],
      }),
    );
    await createService('cache', { min: 1, max: 1 });
    await aws.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: seeded.cacheId! }));
    await setOutputs('data', {
      [STACK_OUTPUTS.data.databaseInstanceId]: seeded.databaseId,
      [STACK_OUTPUTS.data.databaseSecretArn]:
        `arn:aws:secretsmanager:eu-west-2:111111111111:secret:booking-dev-database`,
    });
    await setOutputs('app', appOutputs('running'));
    // DescribeTasks shows the cache's tasks RUNNING until stopped (moto walks them to STOPPED).
    proxy.setTaskRun(CACHE, {});
  }

  /** The ops Lambda's handler (deploy gates, service bounds), its dependencies pointed at moto. */
  async function lambda(event: Parameters<typeof handler>[0]) {
    const made = clients();
    const resources = await discoverResources(made.cloudformation, platformConfig.shared, dev);
    const responses: any[] = [];
    const deps: HandlerDependencies = {
      operations: new EnvironmentOperations(resources, {
        clients: made,
        report: () => undefined,
        sleep: async () => undefined,
        now: () => Date.now(),
        actor: `${resources.stage}-ops`,
        pollIntervalMs: 20,
      }),
      now: () => Date.now(),
      log: () => undefined,
      respond: async (_url, body) => {
        responses.push(JSON.parse(body));
      },
    };
    await handler(event, undefined, deps);
    return responses[0];
  }

  const customResource = (
    resourceType: string,
    properties: Record<string, string>,
    requestType: 'Create' | 'Update',
  ): CustomResourceEvent => ({
    RequestType: requestType,
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-2:111111111111:stack/booking-dev-app/guid',
    RequestId: `request-${resourceType}-${properties.Role ?? properties.Structure}`,
    LogicalResourceId: `${properties.Role ?? 'Structure'}Resource`,
    ResourceType: resourceType,
    PhysicalResourceId: requestType === 'Create' ? undefined : `${properties.Role ?? 'Structure'}Resource`,
    ResourceProperties: properties,
  });

  /**
   * CloudFormation's part of the deploy with state 'minimal': the data stack's gate, then the
   * services deleted (the cache's with its task, its data on EFS with it) with their scalable
   * targets, and the app stack's outputs without them.
   */
  async function deployMinimal(): Promise<void> {
    const gate = await lambda(customResource('Custom::EnvironmentStructure', { Structure: 'minimal' }, 'Update'));
    assert.equal(gate.Status, 'SUCCESS', gate.Reason);
    for (const role of ['web', 'worker', 'cache'] as const) {
      const name = `booking-dev-${role}`;
      await aws.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: name, force: true }));
      await aws.autoscaling.send(
        new DeregisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceId: `service/${CLUSTER}/${name}`,
        }),
      );
    }
    await cacheScheduler(0);
    await setOutputs('app', appOutputs('minimal'));
  }

  /**
   * CloudFormation's part of the deploy with state 'running': each service's bounds from its
   * Custom::ServiceBounds (the ops Lambda reading the record), the cache service first (web and
   * worker wait for it in the template), then the outputs with the services.
   */
  async function deployRunning(): Promise<Record<ServiceRole, { min: number; max: number }>> {
    const resolved = {} as Record<ServiceRole, { min: number; max: number }>;
    const configured = {
      cache: { minTasks: 1, maxTasks: 1 },
      web: dev.compute.web,
      worker: dev.compute.worker,
    };
    for (const role of ['cache', 'web', 'worker'] as const) {
      const bounds = await lambda(
        customResource(
          'Custom::ServiceBounds',
          { Role: role, MinTasks: String(configured[role].minTasks), MaxTasks: String(configured[role].maxTasks) },
          'Create',
        ),
      );
      assert.equal(bounds.Status, 'SUCCESS', bounds.Reason);
      resolved[role] = { min: Number(bounds.Data.Min), max: Number(bounds.Data.Max) };
      await createService(role, resolved[role]);
    }
    await setOutputs('app', appOutputs('running'));
    return resolved;
  }

  before(async () => {
    moto = await sharedMoto();
    proxy = await startAwsProxy(moto.endpoint);
    aws = clientsFor(moto.endpoint);
  });

  after(async () => {
    for (const made of [...opened, aws]) if (made) destroyClients(made);
    await proxy?.close();
    await moto?.stop();
  });

  beforeEach(async () => {
    await resetMoto(moto.endpoint);
    proxy.reset();
    heldOnEfs = 0;
    await seedWithCacheTask();
  });

  test('running -> minimal -> running with the cache task, end to end, with the deploys in between; then pause and resume, the cache started before web and worker', async () => {
    assert.equal(dev.cache.hosting, 'task', "src/config/dev.ts keeps dev's cache as a task");
    assert.deepEqual(await services(), {
      web: { desired: 1, min: 1, max: 2 },
      worker: { desired: 1, min: 0, max: 2 },
      cache: { desired: 1, min: 1, max: 1 },
    });
    assert.equal((await runningCacheTasks()).length, 1);

    // 1. booking-infra minimal dev: web and worker drained, the queues counted while the cache
    //    still runs, then the cache stopped (its task gone), then the database.
    let from = proxy.calls().length;
    const minimal = await cli(['minimal', 'dev']);
    assert.equal(minimal.code, 0, minimal.err + minimal.out);
    assert.deepEqual(events(from), [
      'GetMetricData', // the plan: nothing queued lately
      'RegisterScalableTarget booking-dev-web 0..0',
      'UpdateService booking-dev-web 0',
      'RegisterScalableTarget booking-dev-worker 0..0',
      'UpdateService booking-dev-worker 0',
      'GetMetricData', // the count, once web and worker stopped, the cache still up
      'RegisterScalableTarget booking-dev-cache 0..0',
      'UpdateService booking-dev-cache 0',
      'ListTasks booking-dev-cache STOPPED', // Valkey has exited (its file written to EFS)
      'StopDBInstance',
    ]);
    assert.match(minimal.out, /0 Dramatiq messages held/);
    assert.match(minimal.out, /record minimal \(the minimal deploy may now remove the cache task and its data on EFS/);
    assert.deepEqual(await services(), {
      web: { desired: 0, min: 0, max: 0 },
      worker: { desired: 0, min: 0, max: 0 },
      cache: { desired: 0, min: 0, max: 0 },
    });
    assert.deepEqual(await runningCacheTasks(), []);
    assert.equal(await database(), 'stopped');
    assert.equal((await record()).state, 'minimal');
    assert.deepEqual((await record()).services, {
      web: { desired: 1, min: 1, max: 2 },
      worker: { desired: 1, min: 0, max: 2 },
      cache: { desired: 1, min: 1, max: 1 },
    });
    assert.equal(proxy.count('elasticache:DescribeReplicationGroups'), 0, 'there is no ElastiCache to read');
    assert.equal(proxy.count('elasticache:CreateSnapshot'), 0);

    // 2. The deploy with state 'minimal': the gate lets it through; the services go, the cache's too.
    await deployMinimal();
    assert.deepEqual(await services(), {});
    const minimalStatus = JSON.parse((await cli(['status', 'dev', '--json'])).out);
    assert.equal(minimalStatus.observed, 'minimal');
    assert.deepEqual(minimalStatus.drift, []);

    // 3. booking-infra resume dev: only the database starts; the record keeps the cache's 1..1.
    from = proxy.calls().length;
    const resumed = await cli(['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err + resumed.out);
    assert.deepEqual(events(from), ['StartDBInstance']);
    assert.match(resumed.out, /Now set state: 'running' for dev .* npx cdk deploy 'booking-dev\/\*'/);
    assert.equal(await database(), 'available');
    assert.equal((await record()).state, 'running');
    assert.deepEqual((await record()).services.cache, { desired: 1, min: 1, max: 1 });

    // 4. The deploy with state 'running': the bounds resolve to the configuration, the cache's 1..1.
    assert.deepEqual(await deployRunning(), {
      cache: { min: 1, max: 1 },
      web: { min: 1, max: 2 },
      worker: { min: 0, max: 2 },
    });
    assert.equal((await runningCacheTasks()).length, 1);
    const running = JSON.parse((await cli(['status', 'dev', '--json'])).out);
    assert.equal(running.observed, 'running');
    assert.deepEqual(running.drift, []);
    assert.deepEqual(running.cache, { service: CACHE, running: 1, desired: 1 });

    // 5. Pause: web and worker drained, then the cache, then the database.
    from = proxy.calls().length;
    const paused = await cli(['pause', 'dev']);
    assert.equal(paused.code, 0, paused.err + paused.out);
    assert.deepEqual(events(from), [
      'RegisterScalableTarget booking-dev-web 0..0',
      'UpdateService booking-dev-web 0',
      'RegisterScalableTarget booking-dev-worker 0..0',
      'RegisterScalableTarget booking-dev-cache 0..0',
      'UpdateService booking-dev-cache 0',
      'ListTasks booking-dev-cache STOPPED',
      'StopDBInstance',
    ]);
    assert.deepEqual(await runningCacheTasks(), []);
    assert.equal(await database(), 'stopped');
    assert.equal((await record()).state, 'paused');
    assert.deepEqual((await record()).services.cache, { desired: 1, min: 1, max: 1 });

    // 6. Resume: the cache starts with the database, and web and worker only once its task runs.
    from = proxy.calls().length;
    const resumedAgain = await cli(['resume', 'dev']);
    assert.equal(resumedAgain.code, 0, resumedAgain.err + resumedAgain.out);
    assert.deepEqual(events(from), [
      'RegisterScalableTarget booking-dev-cache 1..1',
      'UpdateService booking-dev-cache 1',
      'StartDBInstance',
      'ListTasks booking-dev-cache RUNNING', // waits for the cache task to run
      'RegisterScalableTarget booking-dev-web 1..2',
      'UpdateService booking-dev-web 1',
      'RegisterScalableTarget booking-dev-worker 0..2',
    ]);
    assert.match(resumedAgain.out, /cache task up: done after \d+ s/);
    assert.deepEqual(await services(), {
      web: { desired: 1, min: 1, max: 2 },
      worker: { desired: 0, min: 0, max: 2 },
      cache: { desired: 1, min: 1, max: 1 },
    });
    assert.equal((await runningCacheTasks()).length, 1);
    assert.equal(await database(), 'available');
    assert.equal((await record()).state, 'running');
  });

  for (const held of [0, 2]) {
    test(`minimal from paused: the cache task is started alone to count its messages (${held} held), then stopped again${held > 0 ? '; refused, left paused' : ''}`, async () => {
      const paused = await cli(['pause', 'dev']);
      assert.equal(paused.code, 0, paused.err + paused.out);
      assert.deepEqual(await runningCacheTasks(), []);
      heldOnEfs = held;

      const from = proxy.calls().length;
      const minimal = await cli(['minimal', 'dev']);
      assert.equal(minimal.code, held > 0 ? 1 : 0, minimal.err + minimal.out);
      // Only the cache moves: up for the count (measured once it runs), down again; web, worker
      // and the database stay as paused.
      assert.deepEqual(events(from), [
        'GetMetricData', // the plan: no measurement while the cache was stopped
        'RegisterScalableTarget booking-dev-cache 1..1',
        'UpdateService booking-dev-cache 1',
        'ListTasks booking-dev-cache RUNNING',
        'GetMetricData',
        'RegisterScalableTarget booking-dev-cache 0..0',
        'UpdateService booking-dev-cache 0',
        'ListTasks booking-dev-cache STOPPED',
      ]);
      assert.match(minimal.out, /started alone so that its messages can be counted; stopped again after/);
      assert.match(minimal.out, new RegExp(`${held} Dramatiq messages held`));
      assert.deepEqual(await runningCacheTasks(), []);
      assert.deepEqual(await services(), {
        web: { desired: 0, min: 0, max: 0 },
        worker: { desired: 0, min: 0, max: 0 },
        cache: { desired: 0, min: 0, max: 0 },
      });
      assert.equal(await database(), 'stopped');
      if (held > 0) {
        assert.match(
          minimal.out,
          /minimal failed: 2 Dramatiq messages are queued .* in dev's cache task, whose data \(on EFS\) the minimal deploy deletes; dev is left paused/,
        );
        assert.equal((await record()).state, 'paused');
      } else {
        assert.equal((await record()).state, 'minimal');
      }
      assert.deepEqual((await record()).services.cache, { desired: 1, min: 1, max: 1 });
    });
  }
});
