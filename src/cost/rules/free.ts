import type { Rule, RuleTable } from './context';

/** Resources known to cost nothing by themselves, with the reason printed on their line. */
export const FREE_RESOURCES: Readonly<Record<string, string>> = {
  'AWS::EC2::VPC': 'no charge for the VPC itself',
  'AWS::EC2::Subnet': 'no charge',
  'AWS::EC2::RouteTable': 'no charge',
  'AWS::EC2::Route': 'no charge',
  'AWS::EC2::SubnetRouteTableAssociation': 'no charge',
  'AWS::EC2::InternetGateway': 'no charge (data transfer out is billed per GB)',
  'AWS::EC2::VPCGatewayAttachment': 'no charge',
  'AWS::EC2::SecurityGroup': 'no charge',
  'AWS::EC2::SecurityGroupIngress': 'no charge',
  'AWS::EC2::SecurityGroupEgress': 'no charge',
  'AWS::EC2::FlowLog': 'records billed as CloudWatch Logs ingestion (usage line)',
  'AWS::IAM::Role': 'no charge',
  'AWS::IAM::Policy': 'no charge',
  'AWS::IAM::ManagedPolicy': 'no charge',
  'AWS::RDS::DBParameterGroup': 'no charge',
  'AWS::RDS::DBSubnetGroup': 'no charge',
  'AWS::ElastiCache::SubnetGroup': 'no charge',
  'AWS::ElastiCache::ParameterGroup': 'no charge',
  'AWS::ElastiCache::User': 'no charge (RBAC users are free)',
  'AWS::ElastiCache::UserGroup': 'no charge (RBAC user groups are free)',
  'AWS::SecretsManager::SecretTargetAttachment': 'no charge',
  'AWS::SecretsManager::ResourcePolicy': 'no charge',
  'AWS::SecretsManager::RotationSchedule':
    'no charge for rotation; its hosted function runs a few times a month, inside the Lambda free tier (its network path is priced: NAT or endpoint line)',
  'AWS::Logs::LogGroup': 'billed by ingestion and storage (usage line)',
  'AWS::Logs::ResourcePolicy': 'no charge',
  'AWS::ElasticLoadBalancingV2::Listener': 'included in the load balancer',
  'AWS::ElasticLoadBalancingV2::ListenerRule': 'included in the load balancer',
  'AWS::ElasticLoadBalancingV2::ListenerCertificate': 'included in the load balancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'included in the load balancer',
  'AWS::EFS::AccessPoint': 'no charge (storage is billed on the file system)',
  'AWS::EFS::MountTarget': 'no charge for mount targets',
  'AWS::ApiGatewayV2::Stage':
    'no charge: requests are billed on the API line (access logs as CloudWatch Logs ingestion, usage line)',
  'AWS::ApiGatewayV2::Route': 'no charge: requests are billed on the API line',
  'AWS::ApiGatewayV2::Integration':
    'no charge: requests are billed on the API line, its Cloud Map lookups on the Cloud Map service line',
  'AWS::ApiGatewayV2::DomainName': "custom domain names are free; the certificate is ACM's",
  'AWS::ApiGatewayV2::ApiMapping': 'no charge (maps the custom domain to a stage; requests billed on the API line)',
  'AWS::ApiGatewayV2::VpcLink': 'VPC links for HTTP APIs have no hourly charge (no load balancer behind them)',
  'AWS::ServiceDiscovery::HttpNamespace':
    'no charge: an HTTP namespace creates no hosted zone (instances and lookups billed on the Cloud Map service line)',
  'AWS::ECS::ClusterCapacityProviderAssociations': 'no charge',
  'AWS::ApplicationAutoScaling::ScalableTarget': 'no charge',
  'AWS::Lambda::Permission': 'no charge',
  'AWS::KMS::Alias': 'no charge (the key is billed on its own line)',
  'AWS::Backup::BackupSelection': 'no charge (what it selects is billed on the plan line)',
  'AWS::Events::Rule': 'no charge for rules on AWS service events',
  'AWS::Scheduler::Schedule': 'first 14 million invocations a month are free',
  'AWS::SNS::Topic': 'first million publishes and 1,000 e-mails a month are free',
  'AWS::SNS::Subscription': 'no charge',
  'AWS::SNS::TopicPolicy': 'no charge',
  'AWS::Budgets::Budget': 'budgets without actions are free',
  'AWS::CertificateManager::Certificate': 'public ACM certificates are free',
  'AWS::CodeStarConnections::Connection': 'no charge',
  'AWS::CodeStarNotifications::NotificationRule': 'notification rules are free (delivery via SNS)',
  'AWS::S3::BucketPolicy': 'no charge',
  'AWS::Route53::RecordSet': 'alias queries to AWS resources are free; zone billed separately',
  'AWS::Route53::RecordSetGroup': 'alias queries to AWS resources are free; zone billed separately',
  'AWS::WAFv2::IPSet': 'no charge (the rule that references it is billed on the web ACL line)',
  'AWS::WAFv2::WebACLAssociation': 'no charge (requests are billed on the web ACL line)',
  'AWS::WAFv2::LoggingConfiguration': 'records billed as CloudWatch Logs ingestion (usage line)',
  'AWS::CloudFront::OriginAccessControl': 'no charge',
  'AWS::CloudFront::CachePolicy': 'no charge',
  'AWS::CloudFront::ResponseHeadersPolicy':
    'no charge (headers are added to responses billed on the distribution line)',
  'AWS::CDK::Metadata': 'CDK bookkeeping, not an AWS resource',
};

/** The free resources as rules. */
export const freeRules: RuleTable = Object.fromEntries(
  Object.entries(FREE_RESOURCES).map(([type, reason]) => [type, () => ({ free: reason })]),
);

/** Any `Custom::` resource: free by itself (the Lambda function answering it has its own line). */
export const customResourceRule: Rule = () => ({ free: 'custom resource: its handler is listed separately' });
