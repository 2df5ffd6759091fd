/**
 * Where the platform publishes connection facts and where the user creates application secrets,
 * in SSM Parameter Store: one prefix per environment, `/<app>/<env>/`.
 */
export function environmentPrefix(appName: string, environmentName: string): string {
  return `/${appName}/${environmentName}`;
}

/** The SecureString parameter the user creates for one application secret, e.g. DJANGO_SECRET_KEY. */
export function applicationSecretParameter(appName: string, environmentName: string, variable: string): string {
  return `${environmentPrefix(appName, environmentName)}/app/${variable}`;
}

/** The connection facts the data tier publishes, relative to the environment prefix. */
export const CONNECTION_PARAMETERS = {
  databaseHost: 'database/host',
  databasePort: 'database/port',
  databaseName: 'database/name',
  databaseSecretArn: 'database/secret-arn',
  databaseMaxConnections: 'database/max-connections',
  cacheHost: 'cache/host',
  cachePort: 'cache/port',
  cacheTls: 'cache/tls',
  cacheAuthTokenSecretArn: 'cache/auth-token-secret-arn',
} as const;

/** The image an environment runs (written by the pipeline, read by the app stack at deploy time). */
export function releaseImageParameter(appName: string, environmentName: string): string {
  return `${environmentPrefix(appName, environmentName)}/release/image`;
}

/** The hosted zone id, published by the shared DNS stack for every environment. */
export function hostedZoneIdParameter(appName: string): string {
  return `/${appName}/shared/hosted-zone-id`;
}

/** The application image repository's URI: one repository per account, named after the app. */
export function repositoryUri(account: string, region: string, appName: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com/${appName}`;
}

/** The GitHub connection's ARN, published by the shared source stack for every pipeline. */
export function githubConnectionParameter(appName: string): string {
  return `/${appName}/shared/github-connection-arn`;
}
