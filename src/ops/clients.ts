import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

/** The AWS SDK v3 clients the operations use; tests replace them with aws-sdk-client-mock. */
export interface OpsClients {
  /** API Gateway v2: the HTTP API's VPC link (`ingress: http-api`), which resume and doctor read. */
  readonly apigatewayv2: ApiGatewayV2Client;
  readonly autoscaling: ApplicationAutoScalingClient;
  readonly cloudformation: CloudFormationClient;
  /** CloudFormation in us-east-1, where an environment's edge stack (the CDN certificate) lives. */
  readonly edgeCloudformation: CloudFormationClient;
  readonly cloudwatch: CloudWatchClient;
  readonly logs: CloudWatchLogsClient;
  readonly codepipeline: CodePipelineClient;
  readonly connections: CodeStarConnectionsClient;
  /**
   * Cost Explorer, whose one endpoint is in us-east-1. It answers for the account of the
   * credentials: the management (payer) account sees its organization's costs and tags.
   * Every request costs 0.01 USD.
   */
  readonly costExplorer: CostExplorerClient;
  readonly dynamodb: DynamoDBClient;
  readonly ec2: EC2Client;
  /** ECR in the environment's region (cleanup makes its own client when the repository's region differs). */
  readonly ecr: ECRClient;
  readonly ecs: ECSClient;
  readonly elasticache: ElastiCacheClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly rds: RDSClient;
  readonly route53: Route53Client;
  readonly secretsmanager: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly sts: STSClient;
}

/** Settings tests use to point the clients at a local AWS API emulator. */
export interface ClientOverrides {
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts?: number;
  /** The SDK's retry mode. @default 'adaptive' */
  readonly retryMode?: 'standard' | 'adaptive';
}

/**
 * Clients for one region with the SDK's standard credential chain (profiles, environment
 * variables, SSO, instance roles) and endpoint settings (AWS_ENDPOINT_URL): nothing of our own.
 * Throttling and transient errors are retried by the SDK itself in its adaptive mode (exponential
 * backoff plus a client-side rate limiter that slows down after throttling), so a long wait loop
 * survives a burst of throttling without a retry layer of ours.
 */
export function createClients(region: string, overrides: ClientOverrides = {}): OpsClients {
  const options = { region, maxAttempts: 8, retryMode: 'adaptive', ...overrides };
  return {
    apigatewayv2: new ApiGatewayV2Client(options),
    autoscaling: new ApplicationAutoScalingClient(options),
    cloudformation: new CloudFormationClient(options),
    edgeCloudformation: new CloudFormationClient({ ...options, region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient(options),
    logs: new CloudWatchLogsClient(options),
    codepipeline: new CodePipelineClient(options),
    connections: new CodeStarConnectionsClient(options),
    costExplorer: new CostExplorerClient({ ...options, region: 'us-east-1' }),
    dynamodb: new DynamoDBClient(options),
    ec2: new EC2Client(options),
    ecr: new ECRClient(options),
    ecs: new ECSClient(options),
    elasticache: new ElastiCacheClient(options),
    elbv2: new ElasticLoadBalancingV2Client(options),
    rds: new RDSClient(options),
    route53: new Route53Client({ ...options, region: 'us-east-1' }),
    secretsmanager: new SecretsManagerClient(options),
    ssm: new SSMClient(options),
    sts: new STSClient(options),
  };
}
