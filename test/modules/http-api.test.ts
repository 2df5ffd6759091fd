/**
 * The dev front door (issue 17, item 1): an API Gateway HTTP API on the API host's regional
 * domain, through a VPC link to web tasks registered in Cloud Map with SRV records, instead of the
 * ALB; the web container checks its own health; prod keeps the ALB.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, platformConfig } from '../../src/config';
import { WEB_HEALTH_CHECK } from '../../src/config/application';
import { estimateStates } from '../../src/cost/environment-cost';
import { STACK_OUTPUTS } from '../../src/ops/contracts';
import { resourcesOfType, synth, type SynthesizedPlatform } from '../helpers';

describe('HTTP API ingress (dev)', () => {
  let platform: SynthesizedPlatform;
  let app: Record<string, any>;
  let network: Record<string, any>;
  before(() => {
    platform = synth();
    app = platform.json('dev', 'app');
    network = platform.json('dev', 'network');
  });
  const one = (template: Record<string, any>, type: string) => {
    const found = resourcesOfType(template, type);
    assert.equal(found.length, 1, `exactly one ${type}`);
    return found[0];
  };
  const dev = environmentNamed(platformConfig, 'dev');

  test('no load balancer or target group in dev (its unused group stays, for a switch in one deploy); prod keeps them', () => {
    assert.equal(resourcesOfType(app, 'AWS::ElasticLoadBalancingV2::LoadBalancer').length, 0);
    assert.equal(resourcesOfType(app, 'AWS::ElasticLoadBalancingV2::TargetGroup').length, 0);
    // Both front doors' groups exist in both environments: the network stack does not change when
    // the ingress does, so no group in use is replaced or deleted by a switch.
    const groups = (env: string) =>
      resourcesOfType(platform.json(env, 'network'), 'AWS::EC2::SecurityGroup').map(([id]) => id);
    for (const env of ['dev', 'prod']) {
      assert.ok(
        groups(env).some((id) => id.includes('AlbSecurityGroup')),
        env,
      );
      assert.ok(
        groups(env).some((id) => id.includes('VpcLinkSecurityGroup')),
        env,
      );
    }
    const prod = platform.json('prod', 'app');
    assert.equal(resourcesOfType(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer').length, 1);
    assert.equal(resourcesOfType(prod, 'AWS::ApiGatewayV2::Api').length, 0);
  });

  test('an HTTP API whose only way in is the custom domain, TLS 1.2, regional, on the API certificate', () => {
    const [, api] = one(app, 'AWS::ApiGatewayV2::Api');
    assert.equal(api.Properties.ProtocolType, 'HTTP');
    assert.equal(api.Properties.DisableExecuteApiEndpoint, true, 'no second, unmonitored execute-api name');
    const [domainId, domain] = one(app, 'AWS::ApiGatewayV2::DomainName');
    assert.equal(domain.Properties.DomainName, dev.apiHost);
    const [configuration] = domain.Properties.DomainNameConfigurations;
    assert.equal(configuration.EndpointType, 'REGIONAL');
    assert.equal(configuration.SecurityPolicy, 'TLS_1_2');
    const [certificateId, certificate] = one(app, 'AWS::CertificateManager::Certificate');
    assert.deepEqual(configuration.CertificateArn, { Ref: certificateId });
    assert.equal(certificate.Properties.DomainName, dev.apiHost);
    const [, mapping] = one(app, 'AWS::ApiGatewayV2::ApiMapping');
    assert.deepEqual(mapping.Properties.DomainName, { Ref: domainId });
    assert.equal(mapping.Properties.Stage, '$default');
    // The API host's A record aliases the domain's regional name.
    const [, record] = one(app, 'AWS::Route53::RecordSet');
    assert.equal(record.Properties.Name, `${dev.apiHost}.`);
    assert.deepEqual(record.Properties.AliasTarget.DNSName, { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] });
    assert.deepEqual(record.Properties.AliasTarget.HostedZoneId, { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] });
  });

  test('the $default stage throttles as configured and writes JSON access logs kept for logRetentionDays', () => {
    const [, stage] = one(app, 'AWS::ApiGatewayV2::Stage');
    assert.equal(stage.Properties.StageName, '$default');
    assert.equal(stage.Properties.AutoDeploy, true);
    assert.deepEqual(stage.Properties.DefaultRouteSettings, {
      ThrottlingRateLimit: dev.ingress!.throttle!.ratePerSecond,
      ThrottlingBurstLimit: dev.ingress!.throttle!.burst,
    });
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    for (const field of ['requestId', 'ip', 'status', 'latencyMs', 'integrationError']) assert.ok(format[field], field);
    const logGroupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    assert.equal(app.Resources[logGroupId].Type, 'AWS::Logs::LogGroup');
    assert.equal(app.Resources[logGroupId].Properties.RetentionInDays, dev.logRetentionDays);
  });

  test('every path and method goes through the VPC link to the web Cloud Map service (SRV records)', () => {
    const [linkId, link] = one(app, 'AWS::ApiGatewayV2::VpcLink');
    assert.equal(link.Properties.SecurityGroupIds.length, 1);
    const [serviceId, discovery] = resourcesOfType(app, 'AWS::ServiceDiscovery::Service').find(
      ([, service]) => service.Properties.Name === 'web',
    )!;
    assert.deepEqual(
      discovery.Properties.DnsConfig.DnsRecords.map((r: any) => r.Type),
      ['SRV'],
      'SRV: the task port is registered, not only its address',
    );
    assert.deepEqual(discovery.Properties.HealthCheckCustomConfig, { FailureThreshold: 1 });
    const [, namespace] = one(app, 'AWS::ServiceDiscovery::PrivateDnsNamespace');
    assert.equal(namespace.Properties.Name, 'booking-dev.internal');
    const [integrationId, integration] = one(app, 'AWS::ApiGatewayV2::Integration');
    assert.equal(integration.Properties.IntegrationType, 'HTTP_PROXY');
    assert.equal(integration.Properties.ConnectionType, 'VPC_LINK');
    assert.deepEqual(integration.Properties.ConnectionId, { Ref: linkId });
    assert.deepEqual(integration.Properties.IntegrationUri, { 'Fn::GetAtt': [serviceId, 'Arn'] });
    const routes = resourcesOfType(app, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    assert.deepEqual(routes.map((r) => r.RouteKey).sort(), ['ANY /', 'ANY /{proxy+}']);
    for (const route of routes) {
      assert.deepEqual(route.Target, { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    }
    // The web service registers its app container's port in that Cloud Map service.
    const web = resourcesOfType(app, 'AWS::ECS::Service').find(([id]) => id.startsWith('WebService'))![1];
    assert.deepEqual(web.Properties.ServiceRegistries, [
      { ContainerName: 'app', ContainerPort: dev.compute.appPort, RegistryArn: { 'Fn::GetAtt': [serviceId, 'Arn'] } },
    ]);
    assert.deepEqual(web.Properties.LoadBalancers ?? [], []);
  });

  test('the web container checks its own /health/ on the app port; the circuit breaker still rolls back', () => {
    const taskDefinition = resourcesOfType(app, 'AWS::ECS::TaskDefinition').find(([id]) =>
      id.startsWith('WebServiceTask'),
    )![1];
    const container = taskDefinition.Properties.ContainerDefinitions.find((c: any) => c.Name === 'app');
    assert.deepEqual(container.HealthCheck.Command, [
      'CMD-SHELL',
      WEB_HEALTH_CHECK.replaceAll('{appPort}', String(dev.compute.appPort)),
    ]);
    // The task's own address (from the ECS metadata endpoint) and the app port, as the ALB asked.
    assert.match(container.HealthCheck.Command[1], /ECS_CONTAINER_METADATA_URI_V4.*':8000\/health\/'/);
    const web = resourcesOfType(app, 'AWS::ECS::Service').find(([id]) => id.startsWith('WebService'))![1];
    assert.deepEqual(web.Properties.DeploymentConfiguration.DeploymentCircuitBreaker, { Enable: true, Rollback: true });
    assert.equal(web.Properties.HealthCheckGracePeriodSeconds, 60);
  });

  test('the VPC link group admits nothing and reaches only the app port in the VPC; web admits it', () => {
    const groups = resourcesOfType(network, 'AWS::EC2::SecurityGroup');
    const [linkId, link] = groups.find(([id]) => id.includes('VpcLinkSecurityGroup'))!;
    const [webId] = groups.find(([id]) => id.includes('WebSecurityGroup'))!;
    assert.equal(link.Properties.SecurityGroupIngress, undefined);
    // An egress rule written into the group itself, so EC2's default allow-all egress is not added.
    assert.equal(link.Properties.SecurityGroupEgress.length, 1);
    const [inline] = link.Properties.SecurityGroupEgress;
    assert.equal(inline.FromPort, dev.compute.appPort);
    assert.equal(inline.ToPort, dev.compute.appPort);
    assert.equal(inline.IpProtocol, 'tcp');
    assert.deepEqual(inline.CidrIp, { 'Fn::GetAtt': [resourcesOfType(network, 'AWS::EC2::VPC')[0][0], 'CidrBlock'] });
    const separate = resourcesOfType(network, 'AWS::EC2::SecurityGroupEgress')
      .map(([, r]) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes(linkId));
    assert.equal(separate.length, 1);
    assert.equal(separate[0].FromPort, dev.compute.appPort);
    assert.ok(JSON.stringify(separate[0].DestinationSecurityGroupId).includes(webId));
    const fromLink = resourcesOfType(network, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties)
      .filter(
        (p) => JSON.stringify(p.GroupId).includes(webId) && JSON.stringify(p.SourceSecurityGroupId).includes(linkId),
      );
    assert.equal(fromLink.length, 1);
    assert.equal(fromLink[0].FromPort, dev.compute.appPort);
  });

  test('the integration sends the API host as Host, which the app accepts (ALLOWED_HOSTS)', () => {
    const [, integration] = one(app, 'AWS::ApiGatewayV2::Integration');
    assert.deepEqual(integration.Properties.RequestParameters, { 'overwrite:header.host': dev.apiHost });
  });

  test('web scales on CPU only (request-count scaling needs the ALB)', () => {
    const tracking = resourcesOfType(app, 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .filter(([id]) => id.startsWith('WebService'))
      .map(([, r]) => r.Properties.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification)
      .filter(Boolean)
      .map((spec) => spec.PredefinedMetricType);
    assert.deepEqual(tracking, ['ECSServiceAverageCPUUtilization']);
  });

  test('5xx and p95 latency alarms on the API notify the ops topic', () => {
    const alarms = resourcesOfType(app, 'AWS::CloudWatch::Alarm')
      .map(([, r]) => r.Properties)
      .filter((p) => p.Namespace === 'AWS/ApiGateway');
    const byName = new Map(alarms.map((p) => [p.AlarmName, p]));
    for (const name of ['booking-dev-api-5xx', 'booking-dev-api-latency-p95']) {
      const alarm = byName.get(name);
      assert.ok(alarm, name);
      assert.equal(alarm.AlarmActions.length, 1);
      assert.ok(alarm.Dimensions.some((d: any) => d.Name === 'ApiId'));
    }
    assert.equal(byName.get('booking-dev-api-latency-p95').ExtendedStatistic, 'p95');
  });

  test('the app stack tells the ops code the VPC link and the API, and no target group', () => {
    const outputs = app.Outputs;
    assert.ok(outputs[STACK_OUTPUTS.app.vpcLinkId]);
    assert.ok(outputs[STACK_OUTPUTS.app.httpApiId]);
    assert.equal(outputs[STACK_OUTPUTS.app.webTargetGroupArn], undefined);
    assert.equal(outputs[STACK_OUTPUTS.app.loadBalancerDnsName], undefined);
  });

  test('cost: dev running within 45 USD, the ingress no longer billed while paused', () => {
    const estimates = estimateStates(platformConfig, [dev], ['running', 'paused']);
    const byState = new Map(estimates.map((e) => [e.state, e]));
    const running = byState.get('running')!;
    const paused = byState.get('paused')!;
    assert.ok(running.totalUsd <= 45, `dev running ${running.totalUsd}`);
    const api = paused.lines.find((line) => line.type === 'AWS::ApiGatewayV2::Api')!;
    assert.equal(api.monthlyUsd, 0, 'no request, no charge while paused');
    assert.ok(!paused.lines.some((line) => line.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer'));
    const runningApi = running.lines.find((line) => line.type === 'AWS::ApiGatewayV2::Api')!;
    assert.equal(runningApi.monthlyUsd.toFixed(2), (dev.usage.requestsMillions * 1.16).toFixed(2));
  });
});
