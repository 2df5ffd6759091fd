/**
 * The integration harness itself: moto, the proxy in front of it, the seeded environment. One moto
 * for the file (started in `before`, stopped in `after`), reset between tests.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { DescribeScalableTargetsCommand, ServiceNamespace } from '@aws-sdk/client-application-auto-scaling';
import { GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeDBInstancesCommand, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { platformConfig } from '../../src/config';
import type { OpsClients } from '../../src/ops/clients';
import { QUEUE_BACKLOG_METRIC, STATE_TABLE_KEYS } from '../../src/ops/contracts';
import { discoverResources } from '../../src/ops/resources';
import { type AwsProxy, startAwsProxy } from './aws-proxy';
import { clientsFor, destroyClients, publishBacklog, readEnvironment, seedEnvironment } from './environment';
import { checkMoto, type Moto, MOTO_MISSING_MESSAGE, resetMoto, sharedMoto, startMoto } from './moto';

const dev = platformConfig.environments.find((env) => env.name === 'dev')!;

describe('integration harness (moto)', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let clients: OpsClients;

  before(async () => {
    moto = await sharedMoto();
    proxy = await startAwsProxy(moto.endpoint);
    clients = clientsFor(proxy.endpoint);
  });

  after(async () => {
    if (clients) destroyClients(clients);
    await proxy?.close();
    await moto?.stop();
  });

  beforeEach(async () => {
    await resetMoto(moto.endpoint);
    proxy.reset();
  });

  afterEach(() => assert.equal(proxy.faultsLeft(), 0, 'a fault set with failNext never fired'));

  test('seeding produces the environment readEnvironment reports and the ops code discovers', async () => {
    const seeded = await seedEnvironment(moto.endpoint);
    assert.deepEqual(await readEnvironment(moto.endpoint), {
      services: { web: { desired: 1, min: 1, max: 2 }, worker: { desired: 0, min: 0, max: 2 } },
      database: 'available',
      cache: 'available',
      cacheSnapshots: [],
      items: [],
    });
    const found = await discoverResources(clients.cloudformation, platformConfig.shared, dev);
    assert.equal(found.databaseId, 'booking-dev');
    assert.equal(found.clusterName, 'booking-dev');
    assert.equal(found.cacheId, 'booking-dev');
    assert.equal(found.stateTable, seeded.stateTable);
    assert.equal(found.migrateFamily, 'booking-dev-migrate');
    assert.equal(found.targetGroupArn, undefined);
    assert.equal(found.pipelineName, undefined);
    assert.deepEqual(found.services, [
      { role: 'web', name: 'booking-dev-web' },
      { role: 'worker', name: 'booking-dev-worker' },
    ]);
    assert.deepEqual(proxy.operations(), [
      'cloudformation:DescribeStacks',
      'cloudformation:DescribeStacks',
      'cloudformation:DescribeStacks',
    ]);
  });

  test('the minimal structure has no services, no service outputs and no cache', async () => {
    await seedEnvironment(moto.endpoint, { minimal: true, database: 'stopped' });
    const state = await readEnvironment(moto.endpoint);
    assert.deepEqual(state.services, {});
    assert.equal(state.database, 'stopped');
    assert.equal(state.cache, undefined);
    const found = await discoverResources(clients.cloudformation, platformConfig.shared, dev);
    assert.deepEqual(found.services, []);
    assert.equal(found.cacheId, undefined);
    assert.equal(found.clusterName, 'booking-dev');
  });

  test('the proxy forwards calls and records them in order', async () => {
    await seedEnvironment(moto.endpoint);
    const described = await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'booking-dev' }));
    assert.equal(described.DBInstances?.[0]?.DBInstanceStatus, 'available');
    await clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'booking-dev', service: 'booking-dev-worker', desiredCount: 2 }),
    );
    await clients.autoscaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: ServiceNamespace.ECS,
        ResourceIds: ['service/booking-dev/booking-dev-web'],
      }),
    );
    assert.deepEqual(proxy.operations(), [
      'rds:DescribeDBInstances',
      'ecs:UpdateService',
      'application-autoscaling:DescribeScalableTargets',
    ]);
    assert.equal(proxy.count('UpdateService'), 1);
    assert.equal(proxy.count('ecs:UpdateService'), 1);
    assert.equal(proxy.count('rds:UpdateService'), 0);
    assert.equal(proxy.calls('UpdateService')[0].input.desiredCount, 2);
    assert.equal(proxy.calls('DescribeDBInstances')[0].input.DBInstanceIdentifier, 'booking-dev');
    assert.ok(proxy.log.every((call) => call.status === 200 && !call.injected));
    assert.equal((await readEnvironment(moto.endpoint)).services.worker?.desired, 2);
  });

  test('failNext fails exactly the chosen call, without SDK retries, and the next one passes', async () => {
    await seedEnvironment(moto.endpoint);
    const update = (desiredCount: number) =>
      clients.ecs.send(new UpdateServiceCommand({ cluster: 'booking-dev', service: 'booking-dev-web', desiredCount }));
    proxy.failNext('UpdateService', { after: 1 });
    await update(2);
    await assert.rejects(update(3), (error: any) => {
      assert.equal(error.name, 'InjectedFault');
      assert.equal(error.$metadata.httpStatusCode, 400);
      assert.equal(error.$metadata.attempts, 1);
      return true;
    });
    await update(0);
    assert.deepEqual(
      proxy.calls('UpdateService').map((call) => [call.input.desiredCount, call.status, call.injected]),
      [
        [2, 200, false],
        [3, 400, true],
        [0, 200, false],
      ],
    );
    assert.equal((await readEnvironment(moto.endpoint)).services.web?.desired, 0);

    // Query protocol (XML errors), with a code and message of the test's choosing.
    proxy.failNext('rds:StopDBInstance', { code: 'InvalidDBInstanceState', message: 'instance is busy' });
    await assert.rejects(clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'booking-dev' })), {
      name: 'InvalidDBInstanceStateFault', // the SDK's exception for the code InvalidDBInstanceState
      message: 'instance is busy',
    });
    assert.equal((await readEnvironment(moto.endpoint)).database, 'available');
    await clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'booking-dev' }));
    assert.equal((await readEnvironment(moto.endpoint)).database, 'stopped');
    assert.equal(proxy.count('StopDBInstance'), 2);

    // A retried code is seen once per SDK attempt (maxAttempts 2): twice, then moto answers.
    proxy.failNext('dynamodb:PutItem', { times: 2, code: 'ThrottlingException', status: 400 });
    const put = () =>
      clients.dynamodb.send(
        new PutItemCommand({
          TableName: 'booking-dev-ops-state',
          Item: { [STATE_TABLE_KEYS.partitionKey]: { S: 'lock' }, [STATE_TABLE_KEYS.sortKey]: { S: 'current' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await assert.rejects(put(), { name: 'ThrottlingException' });
    assert.equal(proxy.count('PutItem'), 2);
    await put();
    await assert.rejects(put(), (error) => error instanceof ConditionalCheckFailedException);
    assert.deepEqual((await readEnvironment(moto.endpoint)).items, [{ pk: 'lock', sk: 'current' }]);
  });

  test('the ECS scheduler emulation reports running = desired, at once, late or never', async () => {
    await seedEnvironment(moto.endpoint);
    const describe = async () => {
      const answer = await clients.ecs.send(
        new DescribeServicesCommand({ cluster: 'booking-dev', services: ['booking-dev-web'] }),
      );
      const web = answer.services![0];
      return [web.desiredCount, web.runningCount, web.pendingCount];
    };
    // moto alone never places a task.
    const direct = clientsFor(moto.endpoint);
    try {
      const raw = await direct.ecs.send(
        new DescribeServicesCommand({ cluster: 'booking-dev', services: ['booking-dev-web'] }),
      );
      assert.deepEqual([raw.services![0].runningCount, raw.services![0].pendingCount], [0, 1]);
    } finally {
      destroyClients(direct);
    }

    assert.deepEqual(await describe(), [1, 1, 0]);

    proxy.placementDelayPolls = 2;
    await clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'booking-dev', service: 'booking-dev-web', desiredCount: 0 }),
    );
    assert.deepEqual(await describe(), [0, 1, 0]); // draining
    assert.deepEqual(await describe(), [0, 1, 0]);
    assert.deepEqual(await describe(), [0, 0, 0]); // drained
    await clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'booking-dev', service: 'booking-dev-web', desiredCount: 2 }),
    );
    assert.deepEqual(await describe(), [2, 0, 2]); // placing
    assert.deepEqual(await describe(), [2, 0, 2]);
    assert.deepEqual(await describe(), [2, 2, 0]); // placed

    proxy.ecsPlacement = 'never';
    assert.deepEqual(await describe(), [2, 0, 2]);
  });

  test('CloudWatch bodies the SDK gzips, and chunked requests, pass through', async () => {
    await seedEnvironment(moto.endpoint);
    const now = Date.now();
    await publishBacklog(proxy.endpoint, 5, { timestamp: new Date(now - 60_000) });
    // Over 10 KB, so the SDK compresses PutMetricData with gzip.
    await clients.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'booking',
        MetricData: Array.from({ length: 150 }, (_, index) => ({
          MetricName: QUEUE_BACKLOG_METRIC.name,
          Dimensions: [{ Name: QUEUE_BACKLOG_METRIC.dimension, Value: 'dev' }],
          Value: 1,
          Timestamp: new Date(now - 120_000 - index * 1000),
        })),
      }),
    );
    const [small, large] = proxy.calls('monitoring:PutMetricData');
    assert.equal((small.input.MetricData as unknown[]).length, 1);
    assert.equal((large.input.MetricData as unknown[]).length, 150);
    assert.deepEqual([small.contentEncoding, large.contentEncoding], [undefined, 'gzip']);
    const answer = await clients.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 3_600_000),
        EndTime: new Date(now),
        MetricDataQueries: [
          {
            Id: 'backlog',
            MetricStat: {
              Metric: {
                Namespace: 'booking',
                MetricName: QUEUE_BACKLOG_METRIC.name,
                Dimensions: [{ Name: QUEUE_BACKLOG_METRIC.dimension, Value: 'dev' }],
              },
              Period: 3600,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    assert.deepEqual(answer.MetricDataResults?.[0]?.Values, [155]);

    // A chunked, gzipped query request, signed only enough for moto to route it.
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${proxy.endpoint}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-encoding': 'gzip',
          'transfer-encoding': 'chunked',
          authorization:
            'AWS4-HMAC-SHA256 Credential=testing/20250101/eu-west-2/rds/aws4_request, SignedHeaders=host, Signature=0',
        },
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', reject);
      const body = zlib.gzipSync('Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=booking-dev');
      request.write(body.subarray(0, 10));
      request.end(body.subarray(10));
    });
    assert.equal(status, 200);
    const raw = proxy.calls('rds:DescribeDBInstances');
    assert.equal(raw.length, 1);
    assert.equal(raw[0].input.DBInstanceIdentifier, 'booking-dev');
    assert.equal(raw[0].contentEncoding, 'gzip');
  });

  test('GetPipelineState, which moto lacks, is answered from the seeded pipeline', async () => {
    const seeded = await seedEnvironment(moto.endpoint, { pipeline: true });
    const found = await discoverResources(clients.cloudformation, platformConfig.shared, dev);
    assert.equal(found.pipelineName, seeded.pipelineName);
    const state = async () => {
      const answer = await clients.codepipeline.send(new GetPipelineStateCommand({ name: seeded.pipelineName }));
      return (answer.stageStates ?? []).map((stage) => [stage.stageName, stage.latestExecution?.status]);
    };
    assert.deepEqual(await state(), [
      ['Source', undefined],
      ['Build', undefined],
      ['Migrate', undefined],
      ['Deploy', undefined],
      ['Record', undefined],
    ]);
    proxy.setStageExecution(seeded.pipelineName!, 'Migrate', { status: 'InProgress', pipelineExecutionId: 'e-1' });
    assert.deepEqual((await state())[2], ['Migrate', 'InProgress']);
    await assert.rejects(clients.codepipeline.send(new GetPipelineStateCommand({ name: 'nope' })), {
      name: 'PipelineNotFoundException',
    });
  });
});

describe('moto missing', () => {
  test('checking for moto with a python that does not exist fails with one clear message', async () => {
    await assert.rejects(checkMoto('/nonexistent/python3'), { message: MOTO_MISSING_MESSAGE });
    await assert.rejects(startMoto({ python: '/nonexistent/python3' }), { message: MOTO_MISSING_MESSAGE });
  });
});
