import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type EnvironmentConfig, environmentNamed, platformConfig } from '../../src/config';
import { WEB_HEALTH_CHECK, withAppPort } from '../../src/config/application';
import { resourcesOfType, synth, type SynthesizedPlatform } from '../helpers';

/**
 * `compute.appPort` is set in one place and every part of the path from the front door (the load
 * balancer, or the HTTP API's VPC link) to gunicorn follows it: a port the committed configs never
 * use shows any part left on a default.
 */
const APP_PORT = 9000;

const DEV = environmentNamed(platformConfig, 'dev');

/** Dev as committed (behind its HTTP API), on APP_PORT. */
const DEV_HTTP_API: EnvironmentConfig = { ...DEV, compute: { ...DEV.compute, appPort: APP_PORT } };

/** Dev behind the ALB, as it ran before its HTTP API, on APP_PORT. */
const DEV_ALB: EnvironmentConfig = {
  ...DEV,
  ingress: { kind: 'alb' },
  compute: {
    ...DEV.compute,
    appPort: APP_PORT,
    web: { ...DEV.compute.web, requestsPerTaskPerMinute: 1000, healthCheckCommand: undefined },
  },
};

/** The web task definition's app container and the web service's properties. */
function webOf(app: Record<string, any>): { container: any; service: any } {
  const [[, taskDefinition]] = resourcesOfType(app, 'AWS::ECS::TaskDefinition').filter(
    ([, td]) => td.Properties.Family === 'booking-dev-web',
  );
  const [[, service]] = resourcesOfType(app, 'AWS::ECS::Service').filter(
    ([, s]) => s.Properties.ServiceName === 'booking-dev-web',
  );
  return {
    container: taskDefinition.Properties.ContainerDefinitions.find((c: any) => c.Name === 'app'),
    service: service.Properties,
  };
}

/** The separate ingress rules of `group` as [source group, protocol, from port, to port]. */
function ingressTo(network: Record<string, any>, group: string): Array<[string, string, number, number]> {
  return resourcesOfType(network, 'AWS::EC2::SecurityGroupIngress')
    .map(([, rule]) => rule.Properties)
    .filter((rule) => rule.GroupId['Fn::GetAtt'][0] === group)
    .map((rule) => [rule.SourceSecurityGroupId['Fn::GetAtt'][0], rule.IpProtocol, rule.FromPort, rule.ToPort]);
}

/**
 * The egress rules of `group` as [destination, protocol, from port, to port]: its separate rules
 * (to a group) and the rules written in the group itself (to a range).
 */
function egressFrom(network: Record<string, any>, group: string): Array<[unknown, string, number, number]> {
  const separate = resourcesOfType(network, 'AWS::EC2::SecurityGroupEgress')
    .map(([, rule]) => rule.Properties)
    .filter((rule) => rule.GroupId['Fn::GetAtt'][0] === group)
    .map((rule): [unknown, string, number, number] => [
      rule.DestinationSecurityGroupId['Fn::GetAtt'][0],
      rule.IpProtocol,
      rule.FromPort,
      rule.ToPort,
    ]);
  const inline = (network.Resources[group].Properties.SecurityGroupEgress ?? []).map(
    (rule: any): [unknown, string, number, number] => [rule.CidrIp, rule.IpProtocol, rule.FromPort, rule.ToPort],
  );
  return [...separate, ...inline];
}

/** The VPC's range, as a group's rule names it. */
function vpcCidr(network: Record<string, any>): unknown {
  const [[vpc]] = resourcesOfType(network, 'AWS::EC2::VPC');
  return { 'Fn::GetAtt': [vpc, 'CidrBlock'] };
}

/** The logical id of the security group whose description starts so. */
function groupId(template: Record<string, any>, descriptionPrefix: string): string {
  const match = resourcesOfType(template, 'AWS::EC2::SecurityGroup').filter(([, sg]) =>
    sg.Properties.GroupDescription.startsWith(descriptionPrefix),
  );
  assert.equal(match.length, 1, `one security group described "${descriptionPrefix}"`);
  return match[0][0];
}

describe(`compute.appPort ${APP_PORT}`, () => {
  let alb: SynthesizedPlatform;
  let httpApi: SynthesizedPlatform;
  before(() => {
    alb = synth({ ...platformConfig, environments: [DEV_ALB] });
    httpApi = synth({ ...platformConfig, environments: [DEV_HTTP_API] });
  });

  for (const [mode, platform] of [
    ['behind an ALB', () => alb],
    ['behind the HTTP API', () => httpApi],
  ] as const) {
    test(`${mode}: the web security group admits the app port from the two front doors' groups, and only them`, () => {
      const network = platform().json('dev', 'network');
      const loadBalancer = groupId(network, 'Load balancer');
      const link = groupId(network, 'API Gateway VPC link');
      const web = groupId(network, 'Web tasks');
      assert.deepEqual(ingressTo(network, web), [
        [loadBalancer, 'tcp', APP_PORT, APP_PORT],
        [link, 'tcp', APP_PORT, APP_PORT],
      ]);
      assert.deepEqual(network.Resources[web].Properties.SecurityGroupIngress ?? [], []);
    });
  }

  test('behind an ALB: the load balancer may send only to web tasks on the app port', () => {
    const network = alb.json('dev', 'network');
    const loadBalancer = groupId(network, 'Load balancer');
    const web = groupId(network, 'Web tasks');
    assert.deepEqual(egressFrom(network, loadBalancer), [
      [web, 'tcp', APP_PORT, APP_PORT],
      [vpcCidr(network), 'tcp', APP_PORT, APP_PORT],
    ]);
  });

  test('behind an ALB: the target group and its health check use the app port', () => {
    const groups = resourcesOfType(alb.json('dev', 'app'), 'AWS::ElasticLoadBalancingV2::TargetGroup');
    assert.equal(groups.length, 1);
    const [, group] = groups[0];
    assert.equal(group.Properties.Port, APP_PORT);
    // No HealthCheckPort means "traffic-port": the health check goes to the target's own port.
    assert.ok(
      [undefined, 'traffic-port', String(APP_PORT)].includes(group.Properties.HealthCheckPort),
      `HealthCheckPort ${group.Properties.HealthCheckPort}`,
    );
  });

  test('behind an ALB: the web container maps the app port, the service registers it, and gunicorn binds it', () => {
    const { container, service } = webOf(alb.json('dev', 'app'));
    assertMapsAndBinds(container);
    assert.deepEqual(
      service.LoadBalancers.map((lb: any) => [lb.ContainerName, lb.ContainerPort]),
      [['app', APP_PORT]],
    );
  });

  test('behind the HTTP API: the VPC link may send only to web tasks on the app port', () => {
    const network = httpApi.json('dev', 'network');
    const link = groupId(network, 'API Gateway VPC link');
    const web = groupId(network, 'Web tasks');
    assert.deepEqual(egressFrom(network, link), [
      [web, 'tcp', APP_PORT, APP_PORT],
      [vpcCidr(network), 'tcp', APP_PORT, APP_PORT],
    ]);
  });

  test('behind the HTTP API: the web container maps, checks and binds the app port; Cloud Map registers it', () => {
    const { container, service } = webOf(httpApi.json('dev', 'app'));
    assertMapsAndBinds(container);
    const [shell, check] = container.HealthCheck.Command;
    assert.equal(shell, 'CMD-SHELL');
    assert.ok(check.includes("os.environ['ECS_CONTAINER_METADATA_URI_V4']"), check);
    assert.ok(check.includes(`url = 'http://' + ip + ':${APP_PORT}/health/'`), check);
    assert.deepEqual([check], withAppPort([WEB_HEALTH_CHECK], APP_PORT));
    assert.deepEqual(
      service.ServiceRegistries.map((registry: any) => [registry.ContainerName, registry.ContainerPort]),
      [['app', APP_PORT]],
    );
    assert.deepEqual(service.LoadBalancers, []);
  });
});

/** The app container maps APP_PORT and gunicorn binds it. */
function assertMapsAndBinds(container: any): void {
  assert.deepEqual(container.PortMappings, [{ ContainerPort: APP_PORT, Protocol: 'tcp', Name: 'http' }]);
  const command: string[] = container.Command;
  assert.equal(command[command.indexOf('--bind') + 1], `0.0.0.0:${APP_PORT}`);
  assert.ok(!command.some((arg) => arg.includes('{appPort}')), JSON.stringify(command));
}
