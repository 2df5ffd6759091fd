/**
 * dev's cache as a task (`cache.hosting: task`, issue 17 item 1): Valkey in ECS with its data on
 * EFS, TLS-PSK tunnels at both ends, stopped with the environment; prod keeps ElastiCache.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, platformConfig } from '../../src/config';
import { findConfigIssues } from '../../src/config/validate';
import { estimateStates } from '../../src/cost/environment-cost';
import { CACHE_TUNNEL, STACK_OUTPUTS } from '../../src/ops/contracts';
import { resourcesOfType, synth, withEnvironment, type SynthesizedPlatform } from '../helpers';

describe('cache task (dev)', () => {
  let platform: SynthesizedPlatform;
  let app: Record<string, any>;
  let data: Record<string, any>;
  let network: Record<string, any>;
  before(() => {
    platform = synth();
    app = platform.json('dev', 'app');
    data = platform.json('dev', 'data');
    network = platform.json('dev', 'network');
  });
  const dev = environmentNamed(platformConfig, 'dev');
  const taskDefinition = (template: Record<string, any>, prefix: string) =>
    resourcesOfType(template, 'AWS::ECS::TaskDefinition').find(([id]) => id.startsWith(prefix))![1].Properties;
  const container = (definition: any, name: string) =>
    definition.ContainerDefinitions.find((c: any) => c.Name === name);

  test('no ElastiCache in dev; prod keeps its replication group and no cache task', () => {
    assert.equal(resourcesOfType(data, 'AWS::ElastiCache::ReplicationGroup').length, 0);
    assert.equal(data.Outputs?.[STACK_OUTPUTS.data.cacheReplicationGroupId], undefined);
    const prod = platform.json('prod', 'data');
    assert.equal(resourcesOfType(prod, 'AWS::ElastiCache::ReplicationGroup').length, 1);
    assert.equal(resourcesOfType(prod, 'AWS::EFS::FileSystem').length, 0);
    assert.ok(
      !resourcesOfType(platform.json('prod', 'app'), 'AWS::ECS::Service').some(([id]) => id.startsWith('CacheService')),
    );
  });

  test('the data stack keeps the queue on an encrypted EFS file system, through an access point, and two generated secrets', () => {
    const [, files] = resourcesOfType(data, 'AWS::EFS::FileSystem')[0];
    assert.equal(files.Properties.Encrypted, true);
    // No AWS Backup of the queue: a file system made through the API has automatic backups off
    // unless BackupPolicy turns them on.
    assert.notEqual(files.Properties.BackupPolicy?.Status, 'ENABLED');
    const [, point] = resourcesOfType(data, 'AWS::EFS::AccessPoint')[0];
    assert.deepEqual(point.Properties.PosixUser, { Gid: '1000', Uid: '1000' });
    assert.equal(point.Properties.RootDirectory.Path, '/valkey');
    const names = resourcesOfType(data, 'AWS::SecretsManager::Secret').map(([, s]) => s.Properties.Name);
    assert.ok(names.includes('booking-dev/cache/auth-token'), names.join(', '));
    assert.ok(names.includes('booking-dev/cache/tunnel-psk'), names.join(', '));
    assert.equal(resourcesOfType(data, 'AWS::EFS::MountTarget').length, dev.availabilityZones.length);
  });

  test('network: the cache task may go out on HTTPS and NFS; the files group admits NFS from it only', () => {
    const groups = resourcesOfType(network, 'AWS::EC2::SecurityGroup');
    const [cacheId, cache] = groups.find(([id]) => id.includes('CacheSecurityGroup'))!;
    const [filesId, files] = groups.find(([id]) => id.includes('CacheFilesSecurityGroup'))!;
    assert.deepEqual(
      cache.Properties.SecurityGroupEgress.map((rule: any) => [rule.CidrIp, rule.FromPort]),
      [['0.0.0.0/0', 443]],
    );
    const nfsOut = resourcesOfType(network, 'AWS::EC2::SecurityGroupEgress')
      .map(([, r]) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes(cacheId));
    assert.deepEqual(
      nfsOut.map((p) => p.FromPort),
      [2049],
    );
    assert.ok(JSON.stringify(nfsOut[0].DestinationSecurityGroupId).includes(filesId));
    const nfsIn = resourcesOfType(network, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes(filesId));
    assert.equal(nfsIn.length, 1);
    assert.ok(JSON.stringify(nfsIn[0].SourceSecurityGroupId).includes(cacheId));
    assert.equal(files.Properties.SecurityGroupIngress, undefined);
  });

  test('the cache service: one task at most (stop before start), on Spot, registered as cache.<name>.internal', () => {
    const [serviceId, service] = resourcesOfType(app, 'AWS::ECS::Service').find(([id]) =>
      id.startsWith('CacheService'),
    )!;
    assert.equal(service.Properties.ServiceName, 'booking-dev-cache');
    assert.deepEqual(service.Properties.DeploymentConfiguration.MinimumHealthyPercent, 0);
    assert.deepEqual(service.Properties.DeploymentConfiguration.MaximumPercent, 100);
    assert.deepEqual(service.Properties.CapacityProviderStrategy, [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]);
    assert.equal(service.Properties.DesiredCount, undefined, 'a deploy never undoes a pause');
    const registry = service.Properties.ServiceRegistries[0].RegistryArn['Fn::GetAtt'][0];
    const discovery = app.Resources[registry];
    assert.equal(discovery.Properties.Name, 'cache');
    assert.deepEqual(discovery.Properties.DnsConfig.DnsRecords, [{ TTL: 10, Type: 'A' }]);
    const bounds = resourcesOfType(app, 'Custom::ServiceBounds').find(([id]) => id.startsWith('CacheService'))![1];
    assert.equal(bounds.Properties.Role, 'cache');
    assert.equal(bounds.Properties.MinTasks, '1');
    assert.equal(bounds.Properties.MaxTasks, '1');
    assert.equal(app.Outputs[STACK_OUTPUTS.app.cacheServiceName].Value['Fn::GetAtt'][0], serviceId);
  });

  test('the cache task: Valkey on its loopback with the password and its file on EFS (TLS, IAM), stunnel in front with the key', () => {
    const task = taskDefinition(app, 'CacheServiceTask');
    const valkey = container(task, 'valkey');
    assert.deepEqual(valkey.Command, ['valkey']);
    assert.deepEqual(
      valkey.Secrets.map((s: any) => s.Name),
      ['CACHE_PASSWORD'],
    );
    assert.deepEqual(valkey.MountPoints, [{ ContainerPath: '/data', ReadOnly: false, SourceVolume: 'data' }]);
    assert.equal(valkey.ReadonlyRootFilesystem, true);
    assert.match(valkey.HealthCheck.Command[1], /valkey-cli -p 6380 .*ping/);
    const [maxmemory] = valkey.Environment.filter((e: any) => e.Name === 'CACHE_MAXMEMORY_MB');
    assert.equal(maxmemory.Value, String(Math.floor(dev.cache.task!.memoryMiB * 0.6)));
    const tls = container(task, 'tls');
    assert.deepEqual(tls.Command, ['tls-server']);
    assert.deepEqual(
      tls.Secrets.map((s: any) => s.Name),
      ['CACHE_PSK'],
    );
    assert.deepEqual(tls.PortMappings[0].ContainerPort, CACHE_TUNNEL.port);
    assert.deepEqual(tls.DependsOn, [{ Condition: 'HEALTHY', ContainerName: 'valkey' }]);
    const volume = task.Volumes.find((v: any) => v.Name === 'data').EFSVolumeConfiguration;
    assert.equal(volume.TransitEncryption, 'ENABLED');
    assert.equal(volume.AuthorizationConfig.IAM, 'ENABLED');
    assert.ok(volume.AuthorizationConfig.AccessPointId);
  });

  test('web, worker and migrate reach the cache through their own tunnel sidecar; the app talks to 127.0.0.1 in plain text', () => {
    for (const prefix of ['WebServiceTask', 'WorkerServiceTask', 'MigrateTask']) {
      const task = taskDefinition(app, prefix);
      const tunnel = container(task, 'cache-tunnel');
      assert.ok(tunnel, `${prefix} has the tunnel`);
      assert.deepEqual(tunnel.Command, ['tls-client']);
      assert.deepEqual(tunnel.Environment, [{ Name: 'CACHE_HOST', Value: 'cache.booking-dev.internal' }]);
      assert.deepEqual(
        tunnel.Secrets.map((s: any) => s.Name),
        ['CACHE_PSK'],
      );
      const appContainer = container(task, 'app');
      assert.ok(
        appContainer.DependsOn.some((d: any) => d.ContainerName === 'cache-tunnel' && d.Condition === 'HEALTHY'),
      );
      const env = Object.fromEntries(appContainer.Environment.map((e: any) => [e.Name, e.Value]));
      assert.equal(env.REDIS_HOST, '127.0.0.1');
      assert.equal(env.REDIS_PORT, '6379');
      assert.equal(env.REDIS_TLS, 'false');
    }
    // prod's tasks keep talking TLS to ElastiCache, with no tunnel.
    const prodWeb = taskDefinition(platform.json('prod', 'app'), 'WebServiceTask');
    assert.equal(container(prodWeb, 'cache-tunnel'), undefined);
  });

  test('the backlog publisher speaks TLS-PSK to the tunnel, its secrets resolved by CloudFormation (none in the template)', () => {
    const fn = resourcesOfType(app, 'AWS::Lambda::Function').find(([id]) => id.startsWith('QueueMetrics'))![1];
    const variables = fn.Properties.Environment.Variables;
    assert.equal(variables.CACHE_TLS, 'psk');
    assert.equal(variables.CACHE_HOST, 'cache.booking-dev.internal');
    for (const name of ['CACHE_TUNNEL_PSK', 'CACHE_PASSWORD']) {
      assert.match(JSON.stringify(variables[name]), /resolve:secretsmanager/, name);
    }
  });

  test('validation: the task cache is refused in production, and needs valkey, one node and a Fargate size', () => {
    const issues = (patch: Parameters<typeof withEnvironment>[1], env = 'dev') =>
      findConfigIssues(withEnvironment(env, patch)).map((issue) => `${issue.field}: ${issue.message}`);
    assert.ok(
      issues({ cache: { hosting: 'task', task: { cpu: 256, memoryMiB: 512, spot: true } } }, 'prod').some((line) =>
        line.startsWith('prod.cache.hosting: "task" is not allowed for a production environment'),
      ),
    );
    assert.deepEqual(issues({ cache: { engine: 'redis' } }), [
      'dev.cache.engine: "redis" with hosting "task": the cache task runs Valkey (use "valkey")',
    ]);
    assert.deepEqual(issues({ cache: { task: { memoryMiB: 3000 } } }), [
      'dev.cache.task.memoryMiB: 3000 is not a Fargate memory size for cpu 256 (use one of: 512, 1024, 2048)',
    ]);
  });

  test('cost: dev paused within 15 and running within 45; the cache task costs nothing paused', () => {
    const estimates = estimateStates(platformConfig, [dev], ['running', 'paused']);
    const [running, paused] = estimates;
    assert.ok(running.totalUsd <= 45, `running ${running.totalUsd}`);
    assert.ok(paused.totalUsd <= 15, `paused ${paused.totalUsd}`);
    const cacheTask = (e: (typeof estimates)[number]) =>
      e.lines.find((line) => line.type === 'AWS::ECS::Service' && line.logicalId.startsWith('CacheService'))!;
    assert.equal(cacheTask(paused).monthlyUsd, 0);
    assert.ok(cacheTask(running).monthlyUsd > 0);
    assert.match(cacheTask(running).basis, /Spot/);
    assert.equal(
      running.lines.find((line) => line.type === 'AWS::EFS::FileSystem')?.status,
      'unpriced',
      'no sourced EFS price: unpriced, saying why',
    );
  });
});
