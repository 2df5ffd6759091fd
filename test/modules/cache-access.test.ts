// Who may use the cache, and how (issue 14 item 3): the replication group authenticates against an
// ElastiCache user group (RBAC) instead of an AUTH token. Its `default` user has the token from
// Secrets Manager as its password (the tasks' `AUTH <token>` works as before); the queue-backlog
// publisher connects as an IAM-authenticated user limited to the commands it sends, so no Lambda
// or task environment holds a secret. The access string itself is exercised against a real
// redis-server in test/integration/queue-depth-redis.test.ts.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { platformConfig } from '../../src/config';
import { estimateEnvironments } from '../../src/cost/environment-cost';
import { PUBLISHER_ACCESS_STRING } from '../../src/lambda/queue-depth/index';
import { cacheReplicationGroupId, DEFAULT_USER_ACCESS_STRING } from '../../src/modules/cache/cache';
import { STACK_OUTPUTS } from '../../src/ops/contracts';
import {
  iamStatements,
  onlyEnvironment,
  resourcesOfType,
  synth,
  type SynthesizedPlatform,
  withEnvironment,
} from '../helpers';

/** The one resource of `type` in a raw template. */
function only(json: Record<string, any>, type: string): [string, any] {
  const found = resourcesOfType(json, type);
  assert.equal(found.length, 1, `one ${type}`);
  return found[0];
}

/** The queue-backlog publisher: the Lambda with a QUEUES variable. */
function publisherOf(json: Record<string, any>): any {
  const found = resourcesOfType(json, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties.Environment?.Variables?.QUEUES,
  );
  assert.equal(found.length, 1, 'one backlog publisher');
  return found[0][1];
}

/** Every string in a JSON value, with its path. */
function* strings(value: unknown, path: string[] = []): Generator<[string[], string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* strings(item, [...path, String(i)]);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) yield* strings(item, [...path, key]);
  }
}

describe('cache access: RBAC users, IAM for the backlog publisher, no secret in any environment', () => {
  let platform: SynthesizedPlatform;
  before(() => {
    platform = synth();
  });

  test('the publisher may run exactly MULTI, EXEC, LLEN and HLEN, on Dramatiq keys only', () => {
    // AUTH needs no permission (a server runs it before it knows the user). Anything else the
    // client sent would be refused: the integration test runs the function under this string.
    assert.equal(PUBLISHER_ACCESS_STRING, 'on ~dramatiq:* -@all +multi +exec +llen +hlen');
    assert.equal(DEFAULT_USER_ACCESS_STRING, 'on ~* +@all');
  });

  for (const envName of ['dev', 'prod']) {
    const stage = `booking-${envName}`;

    test(`${envName}: the replication group authenticates against its user group, not an AUTH token`, () => {
      const json = platform.json(envName, 'data');
      const [groupId, group] = only(json, 'AWS::ElastiCache::UserGroup');
      const [, cache] = only(json, 'AWS::ElastiCache::ReplicationGroup');
      assert.equal(cache.Properties.ReplicationGroupId, cacheReplicationGroupId(stage));
      assert.equal(cache.Properties.ReplicationGroupId, `${stage}-acl`, 'a new id: the switch replaces the group');
      assert.deepEqual(cache.Properties.UserGroupIds, [{ Ref: groupId }]);
      assert.equal(cache.Properties.AuthToken, undefined, 'ElastiCache takes a user group or a token, not both');
      assert.equal(cache.Properties.TransitEncryptionEnabled, true, 'RBAC and IAM authentication need TLS');
      assert.equal(group.Properties.Engine, 'valkey', "the cache's engine");
      assert.equal(group.Properties.UserGroupId, `${stage}-users`);
      const users = resourcesOfType(json, 'AWS::ElastiCache::User');
      assert.deepEqual(
        group.Properties.UserIds.map((ref: any) => ref.Ref).sort(),
        users.map(([id]) => id).sort(),
        'the group holds both users, and only them',
      );
    });

    test(`${envName}: the default user's password is the token the tasks send, from the same secret`, () => {
      const data = platform.json(envName, 'data');
      const users = resourcesOfType(data, 'AWS::ElastiCache::User').map(([, user]) => user.Properties);
      const defaults = users.filter((user) => user.UserName === 'default');
      assert.equal(defaults.length, 1, 'a user group must hold a user named default');
      const [user] = defaults;
      assert.equal(user.UserId, `${stage}-default`);
      assert.equal(user.Engine, 'valkey');
      assert.equal(user.AccessString, DEFAULT_USER_ACCESS_STRING, 'full access, as the token gave');
      assert.equal(user.AuthenticationMode.Type, 'password');
      assert.equal(user.AuthenticationMode.Passwords.length, 1);
      const password = user.AuthenticationMode.Passwords[0];
      assert.deepEqual(password, {
        'Fn::Join': ['', ['{{resolve:secretsmanager:', password['Fn::Join'][1][1], ':SecretString:token::}}']],
      });
      const [secretId] = resourcesOfType(data, 'AWS::SecretsManager::Secret').find(([, secret]) =>
        /cache\/auth-token$/.test(secret.Properties.Name),
      )!;
      assert.deepEqual(password['Fn::Join'][1][1], { Ref: secretId }, 'the cache auth-token secret');

      // The tasks' REDIS_PASSWORD is that secret's `token`, unchanged.
      const app = platform.json(envName, 'app');
      const taskSecrets = resourcesOfType(app, 'AWS::ECS::TaskDefinition').flatMap(([, task]) =>
        task.Properties.ContainerDefinitions.flatMap((container: any) => container.Secrets ?? []),
      );
      const redisPasswords = taskSecrets.filter((secret: any) => secret.Name === 'REDIS_PASSWORD');
      assert.ok(redisPasswords.length >= 2, 'web and worker');
      for (const secret of redisPasswords) assert.match(JSON.stringify(secret.ValueFrom), /:token::"?/);
    });

    test(`${envName}: the publisher's user authenticates with IAM under the narrow access string`, () => {
      const users = resourcesOfType(platform.json(envName, 'data'), 'AWS::ElastiCache::User').map(
        ([, user]) => user.Properties,
      );
      const iamUsers = users.filter((user) => user.AuthenticationMode?.Type === 'iam');
      assert.equal(iamUsers.length, 1);
      const [user] = iamUsers;
      assert.equal(user.UserId, `${stage}-queue-depth`);
      assert.equal(user.UserName, user.UserId, 'IAM authentication needs the user name equal to the id');
      assert.match(user.UserId, /^[a-z][a-z0-9-]*$/, 'ElastiCache ids are lower case');
      assert.equal(user.Engine, 'valkey');
      assert.equal(user.AccessString, PUBLISHER_ACCESS_STRING);
      assert.equal(user.AuthenticationMode.Passwords, undefined);
      assert.equal(user.Passwords, undefined);
      assert.equal(user.NoPasswordRequired, undefined);
    });

    test(`${envName}: the publisher signs a token for that user and group, and holds no secret`, () => {
      const fn = publisherOf(platform.json(envName, 'app'));
      const variables = fn.Properties.Environment.Variables;
      assert.equal(variables.CACHE_USER, `${stage}-queue-depth`);
      assert.equal(variables.CACHE_REPLICATION_GROUP_ID, cacheReplicationGroupId(stage));
      assert.equal(variables.CACHE_AUTH_TOKEN, undefined);
      assert.doesNotMatch(JSON.stringify(fn.Properties.Environment), /resolve:|secretsmanager|ssm-secure/);
    });

    test(`${envName}: the publisher's role may elasticache:Connect to that group and that user only`, () => {
      const app = platform.json(envName, 'app');
      const fn = publisherOf(app);
      const roleId = fn.Properties.Role['Fn::GetAtt'][0];
      const policies = resourcesOfType(app, 'AWS::IAM::Policy')
        .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
        .map(([id]) => id);
      const statements = iamStatements(app)
        .filter(({ owner }) => owner === roleId || policies.includes(owner))
        .map(({ statement }) => statement);
      const cacheStatements = statements.filter((statement) =>
        [statement.Action].flat().some((action: string) => action.startsWith('elasticache:')),
      );
      const { account, region } = platform.artifact(envName, 'app').environment;
      assert.deepEqual(cacheStatements, [
        {
          Effect: 'Allow',
          Action: 'elasticache:Connect',
          Resource: [
            `arn:aws:elasticache:${region}:${account}:replicationgroup:${cacheReplicationGroupId(stage)}`,
            `arn:aws:elasticache:${region}:${account}:user:${stage}-queue-depth`,
          ],
        },
      ]);
      // And nothing that reads a secret.
      for (const statement of statements) {
        assert.ok(
          ![statement.Action].flat().some((action: string) => /^(secretsmanager|ssm|kms):/.test(action)),
          JSON.stringify(statement),
        );
      }
    });

    test(`${envName}: the data stack's CacheReplicationGroupId output names the replication group`, () => {
      // `status`, `minimal` (its snapshot) and the drift check find the cache by this output.
      const data = platform.json(envName, 'data');
      const [, cache] = only(data, 'AWS::ElastiCache::ReplicationGroup');
      assert.equal(data.Outputs[STACK_OUTPUTS.data.cacheReplicationGroupId].Value, cache.Properties.ReplicationGroupId);
    });
  }

  test('no Lambda function and no container holds a secret in its environment', () => {
    const secretName = /PASSWORD|TOKEN|SECRET(?!_ARN)|CREDENTIAL|API_KEY|PRIVATE_KEY/i;
    let lambdas = 0;
    for (const stack of platform.assembly.stacksRecursively) {
      const json = stack.template;
      for (const [id, fn] of resourcesOfType(json, 'AWS::Lambda::Function')) {
        lambdas++;
        const variables = fn.Properties.Environment?.Variables ?? {};
        for (const [path, value] of strings(variables)) {
          assert.doesNotMatch(value, /\{\{resolve:/, `${stack.stackName} ${id} ${path.join('.')}`);
        }
        for (const name of Object.keys(variables)) {
          assert.doesNotMatch(name, secretName, `${stack.stackName} ${id} variable ${name}`);
        }
      }
      for (const [id, task] of resourcesOfType(json, 'AWS::ECS::TaskDefinition')) {
        for (const container of task.Properties.ContainerDefinitions) {
          for (const [path, value] of strings(container.Environment ?? [])) {
            assert.doesNotMatch(value, /\{\{resolve:/, `${stack.stackName} ${id} ${container.Name} ${path.join('.')}`);
          }
          for (const { Name } of container.Environment ?? []) {
            assert.doesNotMatch(Name, secretName, `${stack.stackName} ${id} ${container.Name}: ${Name} in plain text`);
          }
        }
      }
    }
    assert.ok(lambdas > 0);
  });

  test('Redis OSS: the users and the user group take the engine of the cache', () => {
    const redis = synth(onlyEnvironment(withEnvironment('dev', { cache: { engine: 'redis' } }), 'dev'));
    const json = redis.json('dev', 'data');
    assert.equal(only(json, 'AWS::ElastiCache::ReplicationGroup')[1].Properties.Engine, 'redis');
    assert.equal(only(json, 'AWS::ElastiCache::UserGroup')[1].Properties.Engine, 'redis');
    const engines = resourcesOfType(json, 'AWS::ElastiCache::User').map(([, user]) => user.Properties.Engine);
    assert.deepEqual(engines, ['redis', 'redis']);
  });

  test('minimal: no cache, so no users and no user group', () => {
    const minimal = synth(onlyEnvironment(withEnvironment('dev', { state: 'minimal' }), 'dev'));
    const json = minimal.json('dev', 'data');
    assert.equal(resourcesOfType(json, 'AWS::ElastiCache::User').length, 0);
    assert.equal(resourcesOfType(json, 'AWS::ElastiCache::UserGroup').length, 0);
  });

  test('the cost estimator lists the users and the user group as free', () => {
    const dev = platformConfig.environments.filter((env) => env.name === 'dev');
    const [estimate] = estimateEnvironments(platformConfig, dev, 'running');
    const lines = estimate.lines.filter((line) => /^AWS::ElastiCache::User(Group)?$/.test(line.type));
    assert.equal(lines.length, 3, 'two users, one group');
    for (const line of lines) {
      assert.equal(line.status, 'free', `${line.logicalId}: ${line.basis}`);
      assert.equal(line.monthlyUsd, 0);
    }
  });
});
