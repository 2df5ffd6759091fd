// Who may use the cache, and how (issue 14 item 3): the replication group authenticates against an
// ElastiCache user group (RBAC) instead of an AUTH token. Its `default` user has the token from
// Secrets Manager as its password (the tasks' `AUTH <token>` works as before); the queue-backlog
// publisher connects as an IAM-authenticated user limited to the commands it sends, so no Lambda
// or task environment holds a secret. The access string itself is exercised against a real
// redis-server in test/integration/queue-depth-redis.test.ts.
//
// Dev's cache is an ECS task now (`cache.hosting: 'task'`, test/modules/cache-task.test.ts), with
// no ElastiCache: the ElastiCache checks run on prod and on dev with ElastiCache (DEV_ELASTICACHE).
// Its backlog publisher is the one function given secrets, as dynamic references that
// CloudFormation resolves (TASK_CACHE_PUBLISHER_SECRETS).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type EnvironmentConfig, platformConfig, type PlatformConfig } from '../../src/config';
import { estimateEnvironments } from '../../src/cost/environment-cost';
import { PUBLISHER_ACCESS_STRING } from '../../src/lambda/queue-depth/index';
import { cacheReplicationGroupId, DEFAULT_USER_ACCESS_STRING } from '../../src/modules/cache/cache';
import { STACK_OUTPUTS } from '../../src/ops/contracts';
import {
  DEV_ON_ELASTICACHE,
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

/** The queue-backlog publisher, the Lambda with a QUEUES variable, as [logical id, resource]. */
function publisherOf(json: Record<string, any>): [string, any] {
  const found = resourcesOfType(json, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties.Environment?.Variables?.QUEUES,
  );
  assert.equal(found.length, 1, 'one backlog publisher');
  return found[0];
}

/**
 * Dev with ElastiCache, as it ran before its cache task: its replication group, users and
 * publisher are checked as prod's are.
 */
const DEV_ELASTICACHE: EnvironmentConfig = DEV_ON_ELASTICACHE;
const ELASTICACHE_CONFIG: PlatformConfig = { ...platformConfig, environments: [DEV_ELASTICACHE] };

/**
 * The one deliberate exception to "no secret in an environment": with `cache.hosting: 'task'`
 * the queue-backlog publisher has no route to Secrets Manager (no NAT gateway, no interface
 * endpoint), so it gets the tunnel's pre-shared key and Valkey's password as dynamic references
 * that CloudFormation resolves at deploy time (the template holds the reference, not the value).
 * Variable name -> [the secret's name under `booking-<env>/`, its JSON key].
 */
const TASK_CACHE_PUBLISHER_SECRETS: Readonly<Record<string, readonly [string, string]>> = {
  CACHE_TUNNEL_PSK: ['cache/tunnel-psk', 'psk'],
  CACHE_PASSWORD: ['cache/auth-token', 'token'],
};

/**
 * The secret a `{{resolve:secretsmanager:<arn>:SecretString:<key>::}}` value of stack `stackName`
 * names, as [secret name, key]: its ARN is a Ref to a secret of that stack, or an output of
 * another stack (Fn::GetStackOutput) whose value is such a Ref. Undefined for any other shape.
 */
function resolvedSecret(
  platform: SynthesizedPlatform,
  stackName: string,
  value: unknown,
): [string, string] | undefined {
  const parts = (value as any)?.['Fn::Join'];
  if (!parts || parts[0] !== '' || parts[1].length !== 3) return undefined;
  const [prefix, arn, suffix] = parts[1];
  const key = /^:SecretString:([a-z]+)::\}\}$/.exec(typeof suffix === 'string' ? suffix : '')?.[1];
  if (prefix !== '{{resolve:secretsmanager:' || !key) return undefined;
  const template = (name: string) =>
    platform.assembly.stacksRecursively.find((stack) => stack.stackName === name)?.template;
  const output = arn?.['Fn::GetStackOutput'];
  const [owner, reference] = output
    ? [template(output.StackName), template(output.StackName)?.Outputs?.[output.OutputName]?.Value]
    : [template(stackName), arn];
  const secret = owner?.Resources?.[reference?.Ref];
  if (secret?.Type !== 'AWS::SecretsManager::Secret') return undefined;
  return [secret.Properties.Name, key];
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
  let devElastiCache: SynthesizedPlatform;
  before(() => {
    platform = synth();
    devElastiCache = synth(ELASTICACHE_CONFIG);
  });
  /** Where the ElastiCache checks read `envName`: dev with ElastiCache, prod as committed. */
  const withElastiCache = (envName: string) => (envName === 'dev' ? devElastiCache : platform);

  test('the publisher may run exactly MULTI, EXEC, LLEN and HLEN, on Dramatiq keys only', () => {
    // AUTH needs no permission (a server runs it before it knows the user). Anything else the
    // client sent would be refused: the integration test runs the function under this string.
    assert.equal(PUBLISHER_ACCESS_STRING, 'on ~dramatiq:* -@all +multi +exec +llen +hlen');
    assert.equal(DEFAULT_USER_ACCESS_STRING, 'on ~* +@all');
  });

  for (const envName of ['dev', 'prod']) {
    const stage = `booking-${envName}`;
    const label = envName === 'dev' ? 'dev with ElastiCache' : envName;

    test(`${label}: the replication group authenticates against its user group, not an AUTH token`, () => {
      const json = withElastiCache(envName).json(envName, 'data');
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

    test(`${label}: the default user's password is the token the tasks send, from the same secret`, () => {
      const data = withElastiCache(envName).json(envName, 'data');
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
      const app = withElastiCache(envName).json(envName, 'app');
      const taskSecrets = resourcesOfType(app, 'AWS::ECS::TaskDefinition').flatMap(([, task]) =>
        task.Properties.ContainerDefinitions.flatMap((container: any) => container.Secrets ?? []),
      );
      const redisPasswords = taskSecrets.filter((secret: any) => secret.Name === 'REDIS_PASSWORD');
      assert.ok(redisPasswords.length >= 2, 'web and worker');
      for (const secret of redisPasswords) assert.match(JSON.stringify(secret.ValueFrom), /:token::"?/);
    });

    test(`${label}: the publisher's user authenticates with IAM under the narrow access string`, () => {
      const users = resourcesOfType(withElastiCache(envName).json(envName, 'data'), 'AWS::ElastiCache::User').map(
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

    test(`${label}: the publisher signs a token for that user and group, and holds no secret`, () => {
      const [, fn] = publisherOf(withElastiCache(envName).json(envName, 'app'));
      const variables = fn.Properties.Environment.Variables;
      assert.equal(variables.CACHE_USER, `${stage}-queue-depth`);
      assert.equal(variables.CACHE_REPLICATION_GROUP_ID, cacheReplicationGroupId(stage));
      assert.equal(variables.CACHE_AUTH_TOKEN, undefined);
      assert.doesNotMatch(JSON.stringify(fn.Properties.Environment), /resolve:|secretsmanager|ssm-secure/);
    });

    test(`${label}: the publisher's role may elasticache:Connect to that group and that user only`, () => {
      const app = withElastiCache(envName).json(envName, 'app');
      const [, fn] = publisherOf(app);
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
      const { account, region } = withElastiCache(envName).artifact(envName, 'app').environment;
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

    test(`${label}: the data stack's CacheReplicationGroupId output names the replication group`, () => {
      // `status`, `minimal` (its snapshot) and the drift check find the cache by this output.
      const data = withElastiCache(envName).json(envName, 'data');
      const [, cache] = only(data, 'AWS::ElastiCache::ReplicationGroup');
      assert.equal(data.Outputs[STACK_OUTPUTS.data.cacheReplicationGroupId].Value, cache.Properties.ReplicationGroupId);
    });
  }

  test("no Lambda function and no container holds a secret in its environment, but the task cache's publisher its key and password as dynamic references", () => {
    const secretName = /PASSWORD|TOKEN|SECRET(?!_ARN)|CREDENTIAL|API_KEY|PRIVATE_KEY|PSK/i;
    // The exception's stacks (app stack name -> the publisher's logical id and the environment's
    // prefix), and the variables it must cover, whole.
    const exceptions = new Map<string, { publisher: string; stage: string }>();
    const expected: string[] = [];
    for (const env of platformConfig.environments.filter((e) => e.cache.hosting === 'task' && e.state !== 'minimal')) {
      const stage = `booking-${env.name}`;
      const [publisher] = publisherOf(platform.json(env.name, 'app'));
      exceptions.set(`${stage}-app`, { publisher, stage });
      expected.push(...Object.keys(TASK_CACHE_PUBLISHER_SECRETS).map((name) => `${stage}-app ${publisher} ${name}`));
      // Its reason: nothing takes the function to Secrets Manager. With a route, it reads them itself.
      const network = platform.json(env.name, 'network');
      assert.equal(resourcesOfType(network, 'AWS::EC2::NatGateway').length, 0, `${env.name}: a NAT gateway`);
      assert.doesNotMatch(
        JSON.stringify(resourcesOfType(network, 'AWS::EC2::VPCEndpoint')),
        /secretsmanager/,
        `${env.name}: a Secrets Manager endpoint`,
      );
    }
    const excepted: string[] = [];
    let lambdas = 0;
    for (const stack of platform.assembly.stacksRecursively) {
      const json = stack.template;
      const exception = exceptions.get(stack.stackName);
      for (const [id, fn] of resourcesOfType(json, 'AWS::Lambda::Function')) {
        lambdas++;
        const variables: Record<string, unknown> = fn.Properties.Environment?.Variables ?? {};
        for (const [name, value] of Object.entries(variables)) {
          const where = `${stack.stackName} ${id} ${name}`;
          const allowed = exception?.publisher === id ? TASK_CACHE_PUBLISHER_SECRETS[name] : undefined;
          if (allowed) {
            const [secret, key] = allowed;
            assert.deepEqual(
              resolvedSecret(platform, stack.stackName, value),
              [`${exception!.stage}/${secret}`, key],
              where,
            );
            excepted.push(where);
            continue;
          }
          for (const [path, text] of strings(value)) {
            assert.doesNotMatch(text, /\{\{resolve:/, `${where} ${path.join('.')}`);
          }
          assert.doesNotMatch(name, secretName, where);
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
    assert.deepEqual(excepted.sort(), expected.sort(), 'the exception, whole and nowhere else');
  });

  test('Redis OSS: the users and the user group take the engine of the cache', () => {
    const redis = synth(
      onlyEnvironment(withEnvironment('dev', { cache: { engine: 'redis' } }, ELASTICACHE_CONFIG), 'dev'),
    );
    const json = redis.json('dev', 'data');
    assert.equal(only(json, 'AWS::ElastiCache::ReplicationGroup')[1].Properties.Engine, 'redis');
    assert.equal(only(json, 'AWS::ElastiCache::UserGroup')[1].Properties.Engine, 'redis');
    const engines = resourcesOfType(json, 'AWS::ElastiCache::User').map(([, user]) => user.Properties.Engine);
    assert.deepEqual(engines, ['redis', 'redis']);
  });

  test('minimal: no cache, so no users and no user group', () => {
    const minimal = synth(onlyEnvironment(withEnvironment('dev', { state: 'minimal' }, ELASTICACHE_CONFIG), 'dev'));
    const json = minimal.json('dev', 'data');
    assert.equal(resourcesOfType(json, 'AWS::ElastiCache::User').length, 0);
    assert.equal(resourcesOfType(json, 'AWS::ElastiCache::UserGroup').length, 0);
  });

  test('the cost estimator lists the users and the user group as free', () => {
    const [estimate] = estimateEnvironments(ELASTICACHE_CONFIG, [DEV_ELASTICACHE], 'running');
    const lines = estimate.lines.filter((line) => /^AWS::ElastiCache::User(Group)?$/.test(line.type));
    assert.equal(lines.length, 3, 'two users, one group');
    for (const line of lines) {
      assert.equal(line.status, 'free', `${line.logicalId}: ${line.basis}`);
      assert.equal(line.monthlyUsd, 0);
    }
  });
});
