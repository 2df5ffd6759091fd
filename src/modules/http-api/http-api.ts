import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../../quality/acknowledge';

export interface HttpApiIngressProps {
  /** The environment's VPC: the VPC link's network interfaces and the private namespace live in it. */
  readonly vpc: ec2.IVpc;
  /** Subnets of the VPC link's network interfaces (the web tasks' subnets). */
  readonly subnets: ec2.SubnetSelection;
  /** The networking module's VPC link group: out to the web tasks' app port only. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The API host, e.g. `api-dev.lichnails.co.uk`: the custom domain, on `certificate`. */
  readonly apiHost: string;
  /**
   * The environment's private Cloud Map namespace (`<name>.internal`, a Route 53 private zone:
   * 0.50 USD/month), where ECS registers the web tasks.
   */
  readonly namespace: servicediscovery.IPrivateDnsNamespace;
  /** The API host's regional ACM certificate (the same the ALB would use). */
  readonly certificate: acm.ICertificate;
  /** Steady requests per second and burst of the stage (`ingress.throttle`): above them, 429. */
  readonly throttle: { readonly ratePerSecond: number; readonly burst: number };
  /** Days to keep the access logs (`logRetentionDays`). */
  readonly logRetentionDays: number;
  /** The two alarms (5xx answers, p95 latency; 0.10 USD/month each) notify this topic. */
  readonly alarmTopic: sns.ITopic;
  /** Environment prefix, e.g. `booking-dev`: API, link, namespace and alarm names. */
  readonly name: string;
}

/**
 * The cheap front door (`ingress.kind: 'http-api'`): an API Gateway HTTP API on the API host's
 * regional custom domain (TLS 1.2, the default execute-api endpoint off, so HTTPS on the one name
 * is the only way in), routes `ANY /` and `ANY /{proxy+}` proxying every request (with the API
 * host as its Host header) through a VPC link to the web tasks, which ECS registers in Cloud Map with SRV records (address and port) and deregisters
 * when their container health check fails. Access logs in CloudWatch Logs, stage throttling, and
 * alarms on 5xx answers and p95 latency. Billed per request (1.16 USD per million in London): no
 * hourly charge, so a paused environment pays nothing here but the namespace's private hosted
 * zone (0.50 USD/month).
 */
export class HttpApiIngress extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly vpcLink: apigwv2.VpcLink;
  public readonly domainName: apigwv2.DomainName;
  public readonly namespace: servicediscovery.IPrivateDnsNamespace;
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogs: logs.LogGroup;
  public readonly alarms: cloudwatch.Alarm[] = [];
  private readonly props: HttpApiIngressProps;

  constructor(scope: Construct, id: string, props: HttpApiIngressProps) {
    super(scope, id);
    Tags.of(this).add('module', 'http-api');
    this.props = props;
    this.namespace = props.namespace;
    this.vpcLink = new apigwv2.VpcLink(this, 'VpcLink', {
      vpc: props.vpc,
      vpcLinkName: `${props.name}-web`,
      subnets: props.subnets,
      securityGroups: [props.securityGroup],
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `${props.name}-api`,
      description: `${props.apiHost}: every request to the web tasks`,
      createDefaultStage: false,
      // Only https://<apiHost>/ answers: no second, unmonitored name for the same API.
      disableExecuteApiEndpoint: true,
    });
    this.domainName = new apigwv2.DomainName(this, 'DomainName', {
      domainName: props.apiHost,
      certificate: props.certificate,
      endpointType: apigwv2.EndpointType.REGIONAL,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${props.name}-api`,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.ratePerSecond, burstLimit: props.throttle.burst },
      domainMapping: { domainName: this.domainName },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            protocol: '$context.protocol',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatencyMs: '$context.integration.latency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });
  }

  /**
   * Routes every request (`$default`, any method and path) to `service`, the web tasks' Cloud Map
   * service, through the VPC link. API Gateway answers 504 after its integration timeout (30 s,
   * the HTTP API default and maximum).
   */
  routeTo(service: servicediscovery.IService): apigwv2.HttpRoute[] {
    const integration = new integrations.HttpServiceDiscoveryIntegration('Web', service, {
      vpcLink: this.vpcLink,
      // The app accepts `apiHost` only (ALLOWED_HOSTS), as the ALB passed it on; API Gateway may
      // set the host from the integration's endpoint, so it is written back explicitly.
      parameterMapping: new apigwv2.ParameterMapping().overwriteHeader(
        'host',
        apigwv2.MappingValue.custom(this.props.apiHost),
      ),
    });
    const routes = this.api.addRoutes({
      path: '/{proxy+}',
      methods: [apigwv2.HttpMethod.ANY],
      integration,
    });
    const root = this.api.addRoutes({ path: '/', methods: [apigwv2.HttpMethod.ANY], integration });
    for (const route of [...routes, ...root]) {
      acknowledge(
        route,
        'AwsSolutions::AwsSolutions-APIG4',
        'The booking API authenticates its callers itself (Django sessions and tokens); an API Gateway authorizer would duplicate it and refuse the public booking pages',
      );
    }
    this.addAlarms();
    return [...routes, ...root];
  }

  /** 5xx answers and p95 latency, as the load balancer's alarms watch them. */
  private addAlarms(): void {
    const props = this.props;
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: this.api.apiId, Stage: '$default' },
        statistic,
        period: Duration.minutes(5),
      });
    const alarm = (id: string, options: cloudwatch.CreateAlarmOptions & { metric: cloudwatch.IMetric }) => {
      const created = new cloudwatch.Alarm(this, id, options);
      created.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      created.addOkAction(new actions.SnsAction(props.alarmTopic));
      this.alarms.push(created);
    };
    alarm('Api5xx', {
      alarmName: `${props.name}-api-5xx`,
      alarmDescription: `The API answered 5xx (the web tasks failed, or none was reachable through the VPC link) more than 10 times in 5 minutes`,
      metric: metric('5xx', 'Sum'),
      threshold: 10,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('LatencyP95', {
      alarmName: `${props.name}-api-latency-p95`,
      alarmDescription: '95% of API requests took over 2 s for 15 minutes',
      metric: metric('Latency', 'p95'),
      threshold: 2000,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
