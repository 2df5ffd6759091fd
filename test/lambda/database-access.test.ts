// The database-access Lambda (src/lambda/database-access): the roles task on deploy, and the
// rolling deployment after a rotation, with the ECS and RDS APIs mocked (aws-sdk-client-mock).
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { DescribeTasksCommand, ECSClient, RunTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type CustomResourceEvent,
  type DatabaseAccessDependencies,
  handler,
  type SecretLabelEvent,
} from '../../src/lambda/database-access';

const TASK_ARN = 'arn:aws:ecs:eu-west-2:111111111111:task/booking-dev/0123456789abcdef';

const properties = {
  Cluster: 'booking-dev',
  TaskDefinition: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/booking-dev-database-roles:3',
  Subnets: 'subnet-a,subnet-b',
  SecurityGroup: 'sg-worker',
  AssignPublicIp: 'ENABLED',
  DatabaseId: 'booking-dev',
  LogGroup: '/booking/dev/database-roles',
  Environment: 'dev',
};

function customResource(requestType: CustomResourceEvent['RequestType']): CustomResourceEvent {
  return {
    RequestType: requestType,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/reply',
    StackId: 'arn:aws:cloudformation:eu-west-2:111111111111:stack/booking-dev-app/guid',
    RequestId: 'request-1',
    LogicalResourceId: 'DatabaseAccessRoles',
    ResourceType: 'Custom::DatabaseRoles',
    PhysicalResourceId: requestType === 'Create' ? undefined : 'DatabaseAccessRoles-request-0',
    ResourceProperties: properties,
  };
}

const rotated = (label = 'AWSCURRENT'): SecretLabelEvent => ({
  source: 'aws.secretsmanager',
  'detail-type': 'Secret Label Updated',
  detail: { name: 'booking-prod/database/app', labelUpdated: label, versionId: 'v2' },
});

describe('database-access Lambda', () => {
  const ecs = mockClient(ECSClient);
  const rds = mockClient(RDSClient);
  let responses: Array<Record<string, any>>;
  let lines: string[];
  let clock: number;

  const deps = (): DatabaseAccessDependencies => ({
    ecs: new ECSClient({ region: 'eu-west-2' }),
    rds: new RDSClient({ region: 'eu-west-2' }),
    variables: { CLUSTER: 'booking-prod', SERVICES: 'booking-prod-web,booking-prod-worker' },
    log: (line) => lines.push(line),
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => clock,
    respond: async (_url, body) => {
      responses.push(JSON.parse(body));
    },
    pollIntervalMs: 10_000,
    timeoutMs: 60_000,
  });

  beforeEach(() => {
    ecs.reset();
    rds.reset();
    responses = [];
    lines = [];
    clock = 0;
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
  });

  test('create: runs the roles task in the given network and answers SUCCESS once it exited 0', async () => {
    ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [{ lastStatus: 'PROVISIONING' }] })
      .resolvesOnce({ tasks: [{ lastStatus: 'RUNNING' }] })
      .resolves({ tasks: [{ lastStatus: 'STOPPED', containers: [{ exitCode: 0 }] }] });
    assert.equal(await handler(customResource('Create'), undefined, deps()), 'Custom::DatabaseRoles Create: SUCCESS');
    const run = ecs.commandCalls(RunTaskCommand)[0].args[0].input;
    assert.equal(run.cluster, 'booking-dev');
    assert.equal(run.taskDefinition, properties.TaskDefinition);
    assert.equal(run.launchType, 'FARGATE');
    assert.deepEqual(run.networkConfiguration?.awsvpcConfiguration, {
      subnets: ['subnet-a', 'subnet-b'],
      securityGroups: ['sg-worker'],
      assignPublicIp: 'ENABLED',
    });
    assert.equal(ecs.commandCalls(DescribeTasksCommand).length, 3);
    assert.equal(responses.length, 1);
    assert.equal(responses[0].Status, 'SUCCESS');
    assert.equal(responses[0].Data.TaskArn, TASK_ARN);
    assert.equal(responses[0].PhysicalResourceId, 'DatabaseAccessRoles-request-1');
  });

  test('update keeps the physical id, so CloudFormation never deletes the roles', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ lastStatus: 'STOPPED', containers: [{ exitCode: 0 }] }] });
    await handler(customResource('Update'), undefined, deps());
    assert.equal(responses[0].Status, 'SUCCESS');
    assert.equal(responses[0].PhysicalResourceId, 'DatabaseAccessRoles-request-0');
  });

  test('a stopped database (paused environment) fails the deploy with the way out, and starts no task', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'stopped' }] });
    await handler(customResource('Update'), undefined, deps());
    assert.equal(responses[0].Status, 'FAILED');
    assert.match(responses[0].Reason, /database booking-dev is stopped/);
    assert.match(responses[0].Reason, /nothing was changed/);
    assert.match(responses[0].Reason, /npx booking-infra resume dev/);
    assert.equal(ecs.commandCalls(RunTaskCommand).length, 0);
  });

  test('a task that exits non-zero fails the deploy, naming the exit code and the log stream', async () => {
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          lastStatus: 'STOPPED',
          containers: [{ exitCode: 3, reason: undefined }],
          stoppedReason: 'Essential container in task exited',
        },
      ],
    });
    await handler(customResource('Create'), undefined, deps());
    assert.equal(responses[0].Status, 'FAILED');
    assert.match(responses[0].Reason, /exit code 3/);
    assert.match(
      responses[0].Reason,
      /log group \/booking\/dev\/database-roles, stream roles\/roles\/0123456789abcdef/,
    );
  });

  test('a task that never starts (no capacity, image missing) fails with ECS’s reason', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:ENI', detail: 'limit reached' }] });
    await handler(customResource('Create'), undefined, deps());
    assert.match(responses[0].Reason, /ECS did not start the roles task: RESOURCE:ENI limit reached/);
  });

  test('a task still running at the deadline fails instead of leaving CloudFormation waiting an hour', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ lastStatus: 'RUNNING' }] });
    await handler(customResource('Create'), undefined, deps());
    assert.equal(responses[0].Status, 'FAILED');
    assert.match(responses[0].Reason, /still RUNNING after 1 minutes/);
    assert.equal(ecs.commandCalls(DescribeTasksCommand).length, 6);
  });

  test('delete leaves the roles in the database and calls nothing', async () => {
    await handler(customResource('Delete'), undefined, deps());
    assert.equal(responses[0].Status, 'SUCCESS');
    assert.equal(rds.calls().length + ecs.calls().length, 0);
  });

  test('a rotation (AWSCURRENT moved) starts a rolling deployment of every service', async () => {
    ecs.on(UpdateServiceCommand).resolves({});
    assert.equal(await handler(rotated(), undefined, deps()), 'redeployed booking-prod-web, booking-prod-worker');
    assert.deepEqual(
      ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input),
      [
        { cluster: 'booking-prod', service: 'booking-prod-web', forceNewDeployment: true },
        { cluster: 'booking-prod', service: 'booking-prod-worker', forceNewDeployment: true },
      ],
    );
  });

  test('another label moving changes nothing', async () => {
    assert.equal(await handler(rotated('AWSPREVIOUS'), undefined, deps()), 'label AWSPREVIOUS: nothing to do');
    assert.equal(ecs.calls().length, 0);
  });

  test('one service failing still redeploys the other, then throws so EventBridge retries', async () => {
    ecs
      .on(UpdateServiceCommand, { service: 'booking-prod-web' })
      .rejects(new Error('ServiceNotActiveException'))
      .on(UpdateServiceCommand, { service: 'booking-prod-worker' })
      .resolves({});
    await assert.rejects(
      handler(rotated(), undefined, deps()),
      /could not redeploy booking-prod-web: ServiceNotActiveException/,
    );
    assert.equal(ecs.commandCalls(UpdateServiceCommand).length, 2);
  });
});
