import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EnvironmentState } from '../../../src/config/types';
import { estimate, type StackTemplate } from '../../../src/cost/estimator';
import { priceTableFor } from '../../../src/cost/prices';
import { fixtureStack, line, usage } from '../fixtures';

/** Prices one hand-made stack at 0.2 million API requests a month. */
function priceAt200kRequests(
  resources: StackTemplate['template']['Resources'],
  state: EnvironmentState,
  region = 'eu-west-2',
) {
  return estimate({
    environment: 'fixture',
    state,
    region,
    logRetentionDays: 30,
    usage: { ...usage, requestsMillions: 0.2 },
    stacks: [{ stackName: 'fixture-app', region, template: { Resources: resources } }],
    priceTables: priceTableFor,
  });
}

/** The HTTP API front door as `ingress.kind: 'http-api'` builds it, one web task behind Cloud Map. */
const httpApi = {
  Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'booking-dev', ProtocolType: 'HTTP' } },
  Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Api' }, StageName: '$default' } },
  Route: { Type: 'AWS::ApiGatewayV2::Route', Properties: { ApiId: { Ref: 'Api' }, RouteKey: '$default' } },
  VpcLink: { Type: 'AWS::ApiGatewayV2::VpcLink', Properties: { Name: 'booking-dev', SubnetIds: ['subnet-a'] } },
  Integration: {
    Type: 'AWS::ApiGatewayV2::Integration',
    Properties: {
      ApiId: { Ref: 'Api' },
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'ANY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: { Ref: 'VpcLink' },
      IntegrationUri: { 'Fn::GetAtt': ['Discovery', 'Arn'] },
      PayloadFormatVersion: '1.0',
    },
  },
  Domain: { Type: 'AWS::ApiGatewayV2::DomainName', Properties: { DomainName: 'api-dev.example.com' } },
  Mapping: {
    Type: 'AWS::ApiGatewayV2::ApiMapping',
    Properties: { ApiId: { Ref: 'Api' }, DomainName: { Ref: 'Domain' }, Stage: { Ref: 'Stage' } },
  },
  Namespace: {
    Type: 'AWS::ServiceDiscovery::PrivateDnsNamespace',
    Properties: { Name: 'booking-dev.internal', Vpc: 'vpc-1' },
  },
  Discovery: {
    Type: 'AWS::ServiceDiscovery::Service',
    Properties: {
      NamespaceId: { 'Fn::GetAtt': ['Namespace', 'Id'] },
      DnsConfig: { DnsRecords: [{ Type: 'SRV', TTL: 60 }] },
      HealthCheckCustomConfig: { FailureThreshold: 1 },
    },
  },
  TaskDef: fixtureStack.template.Resources!.TaskDef,
  WebService: {
    Type: 'AWS::ECS::Service',
    Properties: {
      TaskDefinition: { Ref: 'TaskDef' },
      DesiredCount: 1,
      ServiceRegistries: [
        { RegistryArn: { 'Fn::GetAtt': ['Discovery', 'Arn'] }, ContainerName: 'web', ContainerPort: 8000 },
      ],
    },
  },
};

describe('API Gateway HTTP API and Cloud Map rules', () => {
  test('HTTP API running: 0.2 M requests x 1.16 = 0.232 (shown as 0.23)', () => {
    const api = line(priceAt200kRequests(httpApi, 'running'), 'Api');
    assert.equal(api.status, 'priced');
    assert.deepEqual(
      api.charges?.map((charge) => [charge.priceKey, charge.quantity, charge.unitUsd]),
      [['apigateway.http.requests.million', 0.2, 1.16]],
    );
    assert.equal(api.monthlyUsd, 0.23);
    assert.match(api.basis, /^0\.20 million requests \(0\.2 M assumed\) x 1\.16 USD\/million HTTP API requests/);
  });

  test('HTTP API paused or minimal: no request assumed, 0.00, and no hourly charge', () => {
    for (const state of ['paused', 'minimal'] as const) {
      const api = line(priceAt200kRequests(httpApi, state), 'Api');
      assert.equal(api.status, 'priced', state);
      assert.equal(api.monthlyUsd, 0, state);
      assert.equal(api.charges?.[0].quantity, 0, state);
      assert.match(api.basis, /^nothing billed; no task runs: no request assumed/, state);
    }
  });

  test('a WebSocket API is unpriced, saying why', () => {
    const websocket = line(
      priceAt200kRequests(
        { Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'chat', ProtocolType: 'WEBSOCKET' } } },
        'running',
      ),
      'Api',
    );
    assert.equal(websocket.status, 'unpriced');
    assert.equal(websocket.monthlyUsd, 0);
    assert.match(websocket.basis, /^no price for WEBSOCKET APIs in the table \(WebSocket APIs are billed per message/);
  });

  test('a private DNS namespace is one private hosted zone: 0.50 a month, paused too', () => {
    for (const state of ['running', 'paused'] as const) {
      const namespace = line(priceAt200kRequests(httpApi, state), 'Namespace');
      assert.equal(namespace.status, 'priced', state);
      assert.equal(namespace.monthlyUsd, 0.5, state);
      assert.deepEqual(
        namespace.charges?.map((charge) => charge.priceKey),
        ['route53.zone.month'],
        state,
      );
    }
  });

  test('Cloud Map service running: 1 task x 0.10 + 0.2 M DiscoverInstances calls x 1.00 = 0.30', () => {
    const discovery = line(priceAt200kRequests(httpApi, 'running'), 'Discovery');
    assert.equal(discovery.status, 'priced');
    assert.deepEqual(
      discovery.charges?.map((charge) => [charge.priceKey, charge.quantity, charge.unitUsd]),
      [
        ['cloudmap.instance.month', 1, 0.1],
        ['cloudmap.discovery.million', 0.2, 1],
      ],
    );
    assert.equal(discovery.monthlyUsd, 0.3);
    assert.match(discovery.basis, /upper bound: one per API request/);
    assert.match(discovery.basis, /^1 registered instance-months \(tasks of WebService\) x 0\.1 USD/);
  });

  test('Cloud Map service paused or minimal: 0 instances, no calls, 0.00', () => {
    for (const state of ['paused', 'minimal'] as const) {
      const discovery = line(priceAt200kRequests(httpApi, state), 'Discovery');
      assert.equal(discovery.status, 'priced', state);
      assert.equal(discovery.monthlyUsd, 0, state);
      assert.deepEqual(
        discovery.charges?.map((charge) => charge.quantity),
        [0, 0],
        state,
      );
      assert.match(discovery.basis, /no task runs: no instance registered, no lookup$/, state);
    }
  });

  test('Cloud Map counts the tasks the Fargate line prices: a scheduled window adds its hours', () => {
    // Floor 1 task; 1 more 08:00-20:00 Mon-Fri: 60 h a week x 730 / 168 = 260.71 h.
    // 1 + 260.71 / 730 = 1.357 instance-months x 0.10 = 0.136; plus 0.2 M calls x 1.00 = 0.336.
    const withWindow = {
      ...httpApi,
      Target: {
        Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
        Properties: {
          ResourceId: { 'Fn::GetAtt': ['WebService', 'Name'] },
          MinCapacity: 1,
          MaxCapacity: 3,
          ScheduledActions: [
            {
              ScheduledActionName: 'salon-start',
              Schedule: 'cron(0 8 ? * MON-FRI *)',
              ScalableTargetAction: { MinCapacity: 2 },
            },
            {
              ScheduledActionName: 'salon-end',
              Schedule: 'cron(0 20 ? * MON-FRI *)',
              ScalableTargetAction: { MinCapacity: 1 },
            },
          ],
        },
      },
    };
    const result = priceAt200kRequests(withWindow, 'running');
    const discovery = line(result, 'Discovery');
    const instances = discovery.charges?.find((charge) => charge.priceKey === 'cloudmap.instance.month');
    assert.ok(Math.abs(instances!.quantity - (1 + (60 * 730) / 168 / 730)) < 1e-9, String(instances?.quantity));
    assert.equal(discovery.monthlyUsd, 0.34);
    assert.match(line(result, 'WebService').basis, /salon \(\+1 for 260\.71 h\)/);
  });

  test('a Cloud Map service no ECS service registers with, nor any API looks up: 0 instances, no calls, saying so', () => {
    const { Namespace, Discovery } = httpApi;
    const discovery = line(priceAt200kRequests({ Namespace, Discovery }, 'running'), 'Discovery');
    assert.equal(discovery.status, 'priced');
    assert.equal(discovery.monthlyUsd, 0);
    assert.deepEqual(
      discovery.charges?.map((charge) => [charge.priceKey, charge.quantity]),
      [['cloudmap.instance.month', 0]],
    );
    assert.match(discovery.basis, /no ECS service in this stack registers with it: 0 instances/);
    assert.match(discovery.basis, /no API integration looks it up: no discovery calls/);
  });

  test('stage, route, integration, domain, mapping, VPC link and HTTP namespace are free, each with its reason', () => {
    const result = priceAt200kRequests(
      { ...httpApi, HttpNamespace: { Type: 'AWS::ServiceDiscovery::HttpNamespace', Properties: { Name: 'booking' } } },
      'running',
    );
    const expected: Record<string, RegExp> = {
      Stage: /^no charge: requests are billed on the API line/,
      Route: /^no charge: requests are billed on the API line$/,
      Integration: /Cloud Map lookups on the Cloud Map service line/,
      Domain: /^custom domain names are free; the certificate is ACM's$/,
      Mapping: /maps the custom domain to a stage/,
      VpcLink: /^VPC links for HTTP APIs have no hourly charge/,
      HttpNamespace: /creates no hosted zone/,
    };
    for (const [logicalId, reason] of Object.entries(expected)) {
      const free = line(result, logicalId);
      assert.equal(free.status, 'free', logicalId);
      assert.equal(free.monthlyUsd, 0, logicalId);
      assert.match(free.basis, reason, logicalId);
    }
  });

  test('us-east-1 has every price the rules use: API 0.2 M x 1.00 = 0.20, Cloud Map 0.30, zone 0.50', () => {
    const result = priceAt200kRequests(httpApi, 'running', 'us-east-1');
    for (const [logicalId, usd] of [
      ['Api', 0.2],
      ['Discovery', 0.3],
      ['Namespace', 0.5],
    ] as const) {
      assert.equal(line(result, logicalId).status, 'priced', logicalId);
      assert.equal(line(result, logicalId).monthlyUsd, usd, logicalId);
    }
  });
});
