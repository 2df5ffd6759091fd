import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { environmentNamed, ingressOf, platformConfig } from '../../src/config';
import { resourcesFromEnvironment } from '../../src/lambda/ops/index';
import { OPS_LAMBDA_VARIABLES, STACK_OUTPUTS, type StackPart, stackName } from '../../src/ops/contracts';
import type { CacheHosting } from '../../src/config/types';
import { configuredCapacity, discoverResources } from '../../src/ops/resources';
import { resourcesOfType, synth, type SynthesizedPlatform } from '../helpers';

/** A template value as a string the reader can hold (tokens become a readable placeholder). */
const text = (value: unknown) => (typeof value === 'string' ? value : `<${JSON.stringify(value)}>`);

/**
 * Every name a stack writes and the ops code reads is linked here, writer to reader: a rename on
 * one side only fails these tests, not a real `status` or `pause`.
 */
describe('contracts between the stacks and the ops code', () => {
  let platform: SynthesizedPlatform;
  before(() => {
    platform = synth();
  });

  /** Output keys only one front door writes (`ingress`): the other's stacks lack them by design. */
  const FRONT_DOOR_OUTPUTS: Readonly<Record<'alb' | 'http-api', readonly string[]>> = {
    alb: [STACK_OUTPUTS.app.loadBalancerDnsName, STACK_OUTPUTS.app.webTargetGroupArn],
    'http-api': [STACK_OUTPUTS.app.vpcLinkId, STACK_OUTPUTS.app.httpApiId],
  };

  /** Output keys only one cache hosting writes (`cache.hosting`): the other's stacks lack them by design. */
  const CACHE_OUTPUTS: Readonly<Record<CacheHosting, readonly string[]>> = {
    elasticache: [STACK_OUTPUTS.data.cacheReplicationGroupId],
    task: [STACK_OUTPUTS.app.cacheServiceName],
  };
  const hostingOf = (env: string): CacheHosting => environmentNamed(platformConfig, env).cache.hosting ?? 'elasticache';

  test('each stack declares every output key the ops code reads from it (front-door keys per ingress, cache keys per hosting)', () => {
    for (const env of ['dev', 'prod']) {
      const kind = ingressOf(environmentNamed(platformConfig, env)).kind;
      const other = kind === 'alb' ? 'http-api' : 'alb';
      const hosting = hostingOf(env);
      const otherHosting = hosting === 'task' ? 'elasticache' : 'task';
      for (const [part, keys] of Object.entries(STACK_OUTPUTS)) {
        const outputs = Object.keys(platform.json(env, part).Outputs ?? {});
        for (const key of Object.values(keys)) {
          if (FRONT_DOOR_OUTPUTS[other].includes(key)) {
            assert.ok(!outputs.includes(key), `${env}-${part} (ingress ${kind}) has no ${key}`);
          } else if (CACHE_OUTPUTS[otherHosting].includes(key)) {
            assert.ok(!outputs.includes(key), `${env}-${part} (cache.hosting ${hosting}) has no ${key}`);
          } else {
            assert.ok(outputs.includes(key), `${env}-${part} declares ${key} (it has ${outputs.join(', ')})`);
          }
        }
      }
    }
    // Both kinds are in the committed config, so every front-door key is checked on one of them.
    // (The cache keys are checked for the hostings the committed config uses.)
    assert.deepEqual(['dev', 'prod'].map((env) => ingressOf(environmentNamed(platformConfig, env)).kind).sort(), [
      'alb',
      'http-api',
    ]);
  });

  test('the CLI discovers every resource from the outputs the stacks declare', async () => {
    const env = environmentNamed(platformConfig, 'dev');
    const cloudformation = new CloudFormationClient({ region: env.region });
    const stub = mockClient(cloudformation);
    for (const part of ['data', 'app', 'pipeline'] as StackPart[]) {
      const outputs = platform.json('dev', part).Outputs ?? {};
      stub.on(DescribeStacksCommand, { StackName: stackName('booking', 'dev', part) }).resolves({
        Stacks: [
          {
            StackName: stackName('booking', 'dev', part),
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(0),
            Outputs: Object.entries(outputs).map(([OutputKey, output]: [string, any]) => ({
              OutputKey,
              OutputValue: text(output.Value),
            })),
          },
        ],
      });
    }
    const found = await discoverResources(cloudformation, platformConfig.shared, env);
    assert.equal(found.databaseId, 'booking-dev');
    if (hostingOf('dev') === 'task') {
      assert.equal(found.cacheId, undefined);
      assert.deepEqual(
        found.services.map((s) => s.role),
        ['web', 'worker', 'cache'],
      );
    } else {
      // The RBAC replication group (src/modules/cache): a new id, since CloudFormation replaces the group.
      assert.equal(found.cacheId, 'booking-dev-acl');
      assert.deepEqual(
        found.services.map((s) => s.role),
        ['web', 'worker'],
      );
    }
    // dev is behind the HTTP API: its VPC link and API, and no target group or load balancer.
    for (const field of ['clusterName', 'vpcLinkId', 'httpApiId', 'apiUrl', 'migrateFamily', 'pipelineName'] as const) {
      assert.ok(found[field], `discovered ${field}`);
    }
    assert.equal(found.targetGroupArn, undefined);
    assert.equal(found.loadBalancerDnsName, undefined);
    const [[, table]] = resourcesOfType(platform.json('dev', 'ops'), 'AWS::DynamoDB::Table');
    assert.equal(found.stateTable, table.Properties.TableName);
  });

  test('every variable the ops Lambdas read is set by the stacks, and nothing they do not read', () => {
    const functions = [
      ...resourcesOfType(platform.json('dev', 'data'), 'AWS::Lambda::Function'),
      ...resourcesOfType(platform.json('dev', 'app'), 'AWS::Lambda::Function'),
    ].filter(([, fn]) => fn.Properties.Environment?.Variables?.[OPS_LAMBDA_VARIABLES.stateTable]);
    assert.equal(functions.length, 2, 'the guard and the schedule');
    const known = new Set<string>(Object.values(OPS_LAMBDA_VARIABLES));
    for (const [id, fn] of functions) {
      const variables = Object.fromEntries(
        Object.entries(fn.Properties.Environment.Variables).map(([key, value]) => [key, text(value)]),
      );
      for (const key of Object.keys(variables)) assert.ok(known.has(key), `${id} sets ${key}, which nothing reads`);
      const read = resourcesFromEnvironment({ ...variables, AWS_REGION: 'eu-west-2' });
      assert.equal(read.environment, 'dev');
      assert.equal(read.stateTable, 'booking-dev-ops-state');
      assert.deepEqual(read.configured, configuredCapacity(environmentNamed(platformConfig, 'dev')));
      assert.deepEqual(read.configured.web, { min: 1, max: 2 });
      // The schedule (it names the services) names the cache task's service exactly when dev has one.
      if (variables[OPS_LAMBDA_VARIABLES.webService]) {
        assert.equal(
          read.services.some((s) => s.role === 'cache'),
          hostingOf('dev') === 'task',
          `${id}: ${OPS_LAMBDA_VARIABLES.cacheService} with cache.hosting ${hostingOf('dev')}`,
        );
      }
    }
  });
});
