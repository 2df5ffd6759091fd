/**
 * Environment variables the platform sets in every application container (web, worker, migrate),
 * with where each comes from. `compute.environment` and `applicationSecrets` may not name them:
 * a value there would either replace the platform's or be replaced by it without a word.
 *
 * Kept by hand from `src/stacks/app-stack.ts` (`runtime.environment` and `runtime.secrets`) and
 * `src/modules/app-task/app-task.ts` (the database variables, through PgBouncer or direct);
 * test/config/validate.test.ts compares it with the containers of the synthesized templates.
 */
export const PLATFORM_VARIABLES: Readonly<Record<string, string>> = {
  ENVIRONMENT: "the environment's name",
  ALLOWED_HOSTS: 'apiHost',
  REDIS_HOST: 'the cache',
  REDIS_PORT: 'the cache',
  REDIS_TLS: 'the cache',
  REDIS_PASSWORD: "the cache's AUTH token",
  DRAMATIQ_QUEUES: 'compute.worker.queues',
  DATABASE_HOST: 'the database (through PgBouncer in web and worker tasks)',
  DATABASE_PORT: 'the database (through PgBouncer in web and worker tasks)',
  DATABASE_SSLMODE: 'the database (through PgBouncer in web and worker tasks)',
  DATABASE_NAME: 'the database',
  DATABASE_USER: "the database's secret",
  DATABASE_PASSWORD: "the database's secret",
  STORAGE_BUCKET: 'the media and static bucket (with storage)',
  STORAGE_REGION: "the bucket's region (with storage)",
  STORAGE_STATIC_LOCATION: '`static`: where collectstatic writes (with storage)',
  STORAGE_MEDIA_LOCATION: '`media`: where uploads go (with storage)',
  CDN_HOST: 'cdn.host, the host file URLs use (with cdn)',
};

/**
 * Variables the platform sets in web and worker containers with `compute.tracing` on (the
 * OpenTelemetry SDK's standard settings); `compute.environment` may not name them then.
 */
export const TRACING_VARIABLES: Readonly<Record<string, string>> = {
  OTEL_EXPORTER_OTLP_ENDPOINT: 'the tracing collector in the task (compute.tracing)',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'the tracing collector in the task (compute.tracing)',
  OTEL_SERVICE_NAME: 'the service (compute.tracing)',
  OTEL_RESOURCE_ATTRIBUTES: 'the environment (compute.tracing)',
  OTEL_TRACES_SAMPLER: 'compute.tracing.samplingPercent',
  OTEL_TRACES_SAMPLER_ARG: 'compute.tracing.samplingPercent',
  OTEL_PROPAGATORS: 'compute.tracing (W3C trace context and baggage)',
};

/**
 * Variables ECS on Fargate sets in every container: overriding them breaks the task role's
 * credentials or the task metadata endpoint.
 */
export const FARGATE_VARIABLES: readonly string[] = [
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_EXECUTION_ENV',
  'ECS_CONTAINER_METADATA_URI',
  'ECS_CONTAINER_METADATA_URI_V4',
];
