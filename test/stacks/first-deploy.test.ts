import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { buildApp } from '../../src/app';
import { platformConfig } from '../../src/config';
import { resourcesOfType, synth, type SynthesizedPlatform } from '../helpers';

describe('first deploy (BOOKING_FIRST_DEPLOY): services created before any image exists', () => {
  let platform: SynthesizedPlatform;
  before(() => {
    platform = synth(platformConfig, { firstDeploy: ['dev'] });
  });

  test("the named environment creates its services (dev: web, worker and the cache task's) at zero tasks, and marks their bounds as first-deploy (0..0 until resume)", () => {
    const app = platform.json('dev', 'app');
    const services = resourcesOfType(app, 'AWS::ECS::Service');
    assert.deepEqual(services.map(([, service]) => service.Properties.ServiceName).sort(), [
      'booking-dev-cache',
      'booking-dev-web',
      'booking-dev-worker',
    ]);
    for (const [, service] of services) assert.equal(service.Properties.DesiredCount, 0);
    // The guard resolves a first-deploy mark to 0..0 whatever the configured bounds (the cache's 1..1).
    const bounds = resourcesOfType(app, 'Custom::ServiceBounds');
    assert.deepEqual(bounds.map(([, b]) => [b.Properties.Role, b.Properties.FirstDeploy]).sort(), [
      ['cache', 'true'],
      ['web', 'true'],
      ['worker', 'true'],
    ]);
  });

  test('other environments keep no DesiredCount and no first-deploy mark', () => {
    const app = platform.json('prod', 'app');
    for (const [, service] of resourcesOfType(app, 'AWS::ECS::Service'))
      assert.equal(service.Properties.DesiredCount, undefined);
    for (const [, bounds] of resourcesOfType(app, 'Custom::ServiceBounds'))
      assert.equal(bounds.Properties.FirstDeploy, undefined);
  });

  test('an unknown environment name is refused before anything is built', () => {
    assert.throws(
      () => buildApp(platformConfig, { firstDeploy: ['staging'] }),
      /BOOKING_FIRST_DEPLOY names "staging", which is not an environment \(use one of: dev, prod\)/,
    );
  });
});
