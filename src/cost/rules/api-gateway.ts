import { HOURS_PER_MONTH, priceKey } from '../price-table';
import { serviceTasks } from './compute';
import { monthly, referencedBy, type RuleContext, type RuleResult, type RuleTable } from './context';

/**
 * The HTTP API front door (`ingress.kind: 'http-api'`): API Gateway billed per request, reaching
 * the web tasks through a VPC link and Cloud Map, billed per registered task and per lookup. None
 * of it has an hourly charge; the namespace's hosted zone is the one flat line. The parts that
 * cost nothing (stage, routes, integration, domain, mapping, VPC link) are in free.ts.
 */
export const apiGatewayRules: RuleTable = {
  'AWS::ApiGatewayV2::Api': (ctx) => {
    // ProtocolType may be absent only on an API imported from OpenAPI, which is always HTTP.
    const protocol = ctx.resource.Properties?.ProtocolType ?? 'HTTP';
    if (protocol !== 'HTTP') {
      return {
        unpriced: `no price for ${protocol} APIs in the table (WebSocket APIs are billed per message and connection minute)`,
      };
    }
    const stopped = ctx.state !== 'running';
    return {
      charges: [
        {
          what: `million requests (${ctx.usage.requestsMillions} M assumed)`,
          quantity: stopped ? 0 : ctx.usage.requestsMillions,
          priceKey: priceKey.apiGatewayHttpMillionRequests,
        },
      ],
      note: stopped
        ? 'no task runs: no request assumed (any that still arrive are billed and answered with an error)'
        : undefined,
    };
  },

  // Cloud Map creates a Route 53 private hosted zone for the namespace, billed like any zone.
  'AWS::ServiceDiscovery::PrivateDnsNamespace': monthly(
    'private hosted zone (Cloud Map creates it)',
    priceKey.hostedZoneMonth,
  ),

  'AWS::ServiceDiscovery::Service': (ctx) => cloudMapServiceCharges(ctx),
};

/**
 * A Cloud Map service: its registered instances, which are the tasks of the ECS services that
 * register with it (counted as the Fargate line counts them, none paused or minimal), and the
 * DiscoverInstances calls of an API integration that looks them up.
 */
function cloudMapServiceCharges(ctx: RuleContext): RuleResult {
  const registering = ctx.all.filter(
    (entry) => entry.resource.Type === 'AWS::ECS::Service' && referencedBy(ctx, entry, 'ServiceRegistries'),
  );
  // Each task is an instance while it runs; a scheduled window's extra tasks for its hours.
  const instanceMonths = registering
    .map((entry) => serviceTasks({ ...ctx, ...entry }))
    .reduce(
      (sum, { tasks, scheduled }) =>
        sum + tasks + scheduled.reduce((extra, window) => extra + (window.extra * window.hours) / HOURS_PER_MONTH, 0),
      0,
    );
  const lookedUpByApi = ctx.all.some(
    (entry) => entry.resource.Type === 'AWS::ApiGatewayV2::Integration' && referencedBy(ctx, entry, 'IntegrationUri'),
  );
  const stopped = ctx.state !== 'running';
  const notes = [
    registering.length === 0 ? 'no ECS service in this stack registers with it: 0 instances' : undefined,
    lookedUpByApi ? undefined : 'no API integration looks it up: no discovery calls',
    stopped && registering.length > 0 ? 'no task runs: no instance registered, no lookup' : undefined,
  ].filter(Boolean);
  return {
    charges: [
      {
        what: `registered instance-months (tasks of ${registering.map((entry) => entry.logicalId).join(', ') || 'none'})`,
        quantity: instanceMonths,
        priceKey: priceKey.cloudMapInstanceMonth,
      },
      ...(lookedUpByApi
        ? [
            {
              // AWS does not document whether API Gateway caches the answer: a call for every
              // request assumes it never does, so the figure is an upper bound.
              what: 'million DiscoverInstances calls (upper bound: one per API request, caching by API Gateway undocumented)',
              quantity: stopped ? 0 : ctx.usage.requestsMillions,
              priceKey: priceKey.cloudMapDiscoveryMillion,
            },
          ]
        : []),
    ],
    note: notes.join('; ') || undefined,
  };
}
