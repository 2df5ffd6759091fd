import { Duration, Tags } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../../quality/acknowledge';

export interface LoadBalancerProps {
  /**
   * The environment's VPC; the load balancer spans its public subnets: 19.32 USD/month
   * (0.02646 USD/hour) + 0.0084 USD per LCU-hour, plus a public IPv4 per AZ (3.65 USD/month each)
   * in London.
   */
  readonly vpc: ec2.IVpc;
  /** The networking module's load-balancer group (imported unmodifiable: its rules live there). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The environment's validated certificate for the API host. */
  readonly certificate: acm.ICertificate;
  /** Port the web containers listen on (`compute.appPort`): the target group's port. */
  readonly appPort: number;
  /**
   * Health-check path the application answers 200 on.
   * @default '/health/'
   */
  readonly healthCheckPath?: string;
  /**
   * Refuse to delete the load balancer (production): it must be turned off before the stack can
   * remove it.
   */
  readonly deletionProtection: boolean;
  /**
   * Bucket the access logs go to (prefix `alb`). Stored logs cost 0.024 USD per GB-month in S3
   * Standard in London.
   * @default no access logs
   */
  readonly accessLogBucket?: s3.IBucket;
  /**
   * The four alarms (5xx from targets and from the ALB, unhealthy hosts, p95 latency; 0.10 USD/month
   * each) notify this topic, on alarm and on OK.
   */
  readonly alarmTopic: sns.ITopic;
  /** Prefix of alarm names, e.g. `booking-dev`. */
  readonly name: string;
}

/**
 * The seed's ALB module: internet-facing across the public subnets, HTTPS only (HTTP answers with
 * a 301 to HTTPS), TLS 1.2/1.3 policy, invalid header fields dropped, one target group of web
 * tasks checked on `/health/`, and alarms to the ops topic.
 */
export class LoadBalancer extends Construct {
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly httpsListener: elbv2.ApplicationListener;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    Tags.of(this).add('module', 'load-balancer');
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetGroupName: 'public' },
      securityGroup: props.securityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection,
      http2Enabled: true,
    });
    if (props.accessLogBucket) {
      this.loadBalancer.logAccessLogs(props.accessLogBucket, 'alb');
    } else {
      acknowledge(
        this.loadBalancer,
        'AwsSolutions::AwsSolutions-ELB2',
        'Access logs are kept in production only; in this environment the application logs and ALB metrics are enough and a log bucket would add storage cost',
      );
    }

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'WebTargets', {
      vpc: props.vpc,
      port: props.appPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: props.healthCheckPath ?? '/health/',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    // `open: false`: the networking module's security group already admits 80 and 443.
    this.httpsListener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromCertificateManager(props.certificate)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultTargetGroups: [this.targetGroup],
      open: false,
    });
    this.loadBalancer.addListener('Http', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      open: false,
    });

    const alarm = (
      alarmId: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      evaluationPeriods: number,
    ) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${props.name}-${alarmId.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      created.addOkAction(new actions.SnsAction(props.alarmTopic));
      this.alarms.push(created);
    };
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    alarm(
      'Target5xx',
      'The application answered 10 or more 5xx in 5 minutes',
      this.loadBalancer.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, fiveMinutes),
      10,
      1,
    );
    alarm(
      'Elb5xx',
      'The load balancer answered 10 or more 5xx in 5 minutes (no healthy target, timeouts)',
      this.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, fiveMinutes),
      10,
      1,
    );
    alarm(
      'UnhealthyHosts',
      'A web task failed its health checks for 3 minutes',
      this.targetGroup.metrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
      1,
      3,
    );
    alarm(
      'LatencyP95',
      'p95 response time at or above 1 s for 3 periods of 5 minutes',
      this.targetGroup.metrics.targetResponseTime({ period: Duration.minutes(5), statistic: 'p95' }),
      1,
      3,
    );
  }
}
