import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed } from '../../src/config';
import { resourcesOfType, synth, type SynthesizedPlatform, withEnvironment } from '../helpers';

/**
 * `compute.appPort` is set in one place and every part of the path from the load balancer to
 * gunicorn follows it: a port the committed configs never use shows any part left on a default.
 */
const APP_PORT = 9000;

/** The logical id of the security group whose description starts so. */
function groupId(template: Record<string, any>, descriptionPrefix: string): string {
  const match = resourcesOfType(template, 'AWS::EC2::SecurityGroup').filter(([, sg]) =>
    sg.Properties.GroupDescription.startsWith(descriptionPrefix),
  );
  assert.equal(match.length, 1, `one security group described "${descriptionPrefix}"`);
  return match[0][0];
}

describe(`compute.appPort ${APP_PORT}`, () => {
  let platform: SynthesizedPlatform;
  before(() => {
    const config = withEnvironment('dev', { compute: { appPort: APP_PORT } });
    platform = synth({ ...config, environments: [environmentNamed(config, 'dev')] });
  });

  test('the web security group admits the app port from the load balancer, and only it', () => {
    const network = platform.json('dev', 'network');
    const alb = groupId(network, 'Load balancer');
    const web = groupId(network, 'Web tasks');
    const ingress = resourcesOfType(network, 'AWS::EC2::SecurityGroupIngress')
      .map(([, rule]) => rule.Properties)
      .filter((rule) => rule.GroupId['Fn::GetAtt'][0] === web);
    assert.deepEqual(
      ingress.map((rule) => [rule.SourceSecurityGroupId['Fn::GetAtt'][0], rule.IpProtocol, rule.FromPort, rule.ToPort]),
      [[alb, 'tcp', APP_PORT, APP_PORT]],
    );
    assert.deepEqual(network.Resources[web].Properties.SecurityGroupIngress ?? [], []);
  });

  test('the load balancer may send only to web tasks on the app port', () => {
    const network = platform.json('dev', 'network');
    const alb = groupId(network, 'Load balancer');
    const web = groupId(network, 'Web tasks');
    const egress = resourcesOfType(network, 'AWS::EC2::SecurityGroupEgress')
      .map(([, rule]) => rule.Properties)
      .filter((rule) => rule.GroupId['Fn::GetAtt'][0] === alb);
    assert.deepEqual(
      egress.map((rule) => [
        rule.DestinationSecurityGroupId['Fn::GetAtt'][0],
        rule.IpProtocol,
        rule.FromPort,
        rule.ToPort,
      ]),
      [[web, 'tcp', APP_PORT, APP_PORT]],
    );
  });

  test('the target group and its health check use the app port', () => {
    const groups = resourcesOfType(platform.json('dev', 'app'), 'AWS::ElasticLoadBalancingV2::TargetGroup');
    assert.equal(groups.length, 1);
    const [, group] = groups[0];
    assert.equal(group.Properties.Port, APP_PORT);
    // No HealthCheckPort means "traffic-port": the health check goes to the target's own port.
    assert.ok(
      [undefined, 'traffic-port', String(APP_PORT)].includes(group.Properties.HealthCheckPort),
      `HealthCheckPort ${group.Properties.HealthCheckPort}`,
    );
  });

  test('the web container maps the app port, the service registers it, and gunicorn binds it', () => {
    const app = platform.json('dev', 'app');
    const [[, taskDefinition]] = resourcesOfType(app, 'AWS::ECS::TaskDefinition').filter(
      ([, td]) => td.Properties.Family === 'booking-dev-web',
    );
    const container = taskDefinition.Properties.ContainerDefinitions.find((c: any) => c.Name === 'app');
    assert.deepEqual(container.PortMappings, [{ ContainerPort: APP_PORT, Protocol: 'tcp', Name: 'http' }]);
    const command: string[] = container.Command;
    assert.equal(command[command.indexOf('--bind') + 1], `0.0.0.0:${APP_PORT}`);
    assert.ok(!command.some((arg) => arg.includes('{appPort}')), JSON.stringify(command));

    const [[, web]] = resourcesOfType(app, 'AWS::ECS::Service').filter(
      ([, s]) => s.Properties.ServiceName === 'booking-dev-web',
    );
    assert.deepEqual(
      web.Properties.LoadBalancers.map((lb: any) => [lb.ContainerName, lb.ContainerPort]),
      [['app', APP_PORT]],
    );
  });
});
