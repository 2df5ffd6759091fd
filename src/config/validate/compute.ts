import { APP_PORT } from '../application';
import { fargateMemoryOptions, maxConnectionsFor, RDS_INSTANCE_MEMORY_GIB } from '../aws-catalog';
import { FARGATE_VARIABLES, PLATFORM_VARIABLES, TRACING_VARIABLES } from '../platform-variables';
import { CPU_ARCHITECTURES, type EnvironmentConfig, type ServiceConfig } from '../types';
import { checkProductionRisk } from './accepted-risks';
import type { IssueCollector } from './issues';

/**
 * The tasks: architecture, app port and image tag, the web and worker services, the application's
 * environment and secrets (none the platform sets), PgBouncer pools that fit the database's
 * `max_connections`, and load-balancer access logs (on in production unless
 * `no-load-balancer-access-logs` is an accepted risk).
 */
export function validateCompute(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.compute.${field}`;
  const compute = env.compute;
  issues.oneOf(at('architecture'), compute.architecture, CPU_ARCHITECTURES, 'a Fargate CPU architecture');
  if (issues.integerIn(at('appPort'), compute.appPort, 1024, 65535, '; not 6432, which PgBouncer uses')) {
    checkWebBind(at('web.command'), compute.web.command, compute.appPort, issues);
  }
  if (compute.appPort === 6432) issues.add(at('appPort'), "6432 is PgBouncer's port (choose another, e.g. 8000)");
  for (const [field, command] of [
    ['worker.command', compute.worker.command],
    ['migrateCommand', compute.migrateCommand],
  ] as const) {
    if (command.some((arg) => arg.includes(APP_PORT))) {
      issues.add(at(field), `uses ${APP_PORT}, which only the web command is given (write the port out)`);
    }
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(compute.imageTag)) {
    issues.add(
      at('imageTag'),
      `${JSON.stringify(compute.imageTag)} is not a Docker tag (letters, digits, _ . -; at most 128)`,
    );
  }
  const tracing = compute.tracing;
  if (tracing !== undefined) {
    if (typeof tracing.enabled !== 'boolean') {
      issues.add(at('tracing.enabled'), `${JSON.stringify(tracing.enabled)} is not true or false`);
    }
    const rate = tracing.samplingPercent;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 100) {
      issues.add(
        at('tracing.samplingPercent'),
        `${JSON.stringify(rate)} is not a share of requests to trace (use a number above 0 and at most 100, e.g. 5)`,
      );
    }
  }
  validateService(at('web'), compute.web, issues, 1);
  if (compute.web.predictiveScaling !== undefined) {
    issues.oneOf(
      at('web.predictiveScaling'),
      compute.web.predictiveScaling,
      ['ForecastOnly', 'ForecastAndScale'],
      'a predictive scaling mode',
    );
  }
  validateService(at('worker'), compute.worker, issues, 0);
  issues.integerIn(at('web.cpuTargetPercent'), compute.web.cpuTargetPercent, 10, 95);
  if (compute.web.requestsPerTaskPerMinute !== undefined) {
    issues.integerIn(at('web.requestsPerTaskPerMinute'), compute.web.requestsPerTaskPerMinute, 1, 1_000_000);
  }
  if (compute.web.healthCheckCommand !== undefined && !compute.web.healthCheckCommand.includes('{appPort}')) {
    const port = String(compute.appPort);
    if (/:\d{2,5}\//.test(compute.web.healthCheckCommand) && !compute.web.healthCheckCommand.includes(`:${port}/`)) {
      issues.add(
        at('web.healthCheckCommand'),
        `${JSON.stringify(compute.web.healthCheckCommand)} asks a port other than appPort ${port} (write {appPort} in its place)`,
      );
    }
  }
  issues.integerIn(at('worker.messagesPerTask'), compute.worker.messagesPerTask, 2, 1_000_000);
  issues.integerIn(at('worker.stopTimeoutSeconds'), compute.worker.stopTimeoutSeconds, 2, 120, ', the Fargate maximum');
  if (compute.worker.queues.length === 0 || compute.worker.queues.some((queue) => !/^[A-Za-z0-9_.-]+$/.test(queue))) {
    issues.add(
      at('worker.queues'),
      `${JSON.stringify(compute.worker.queues)} must list Dramatiq queue names (e.g. ["default"])`,
    );
  } else {
    compute.worker.queues.forEach((queue, index) => {
      if (compute.worker.queues.indexOf(queue) !== index) {
        issues.add(at(`worker.queues[${index}]`), `"${queue}" is listed twice (list each queue once)`);
      }
    });
  }
  if (compute.worker.healthCheckCommand.trim() === '') {
    issues.add(
      at('worker.healthCheckCommand'),
      `${JSON.stringify(compute.worker.healthCheckCommand)} is empty, a health check that never passes (give a shell command, e.g. "pgrep -f rundramatiq > /dev/null || exit 1")`,
    );
  }
  validateApplicationEnvironment(env, issues);
  validatePgBouncer(env, issues);
  checkProductionRisk(env, 'no-load-balancer-access-logs', issues);
  checkProductionRisk(env, 'ecs-exec', issues);
}

/**
 * A web command that binds a port itself must bind the app port; `0.0.0.0:{appPort}` follows it.
 * Reads gunicorn's `--bind` / `-b` option, as `webCommand` writes it.
 */
function checkWebBind(field: string, command: readonly string[], appPort: number, issues: IssueCollector): void {
  command.forEach((arg, index) => {
    const bindsNext = arg === '--bind' || arg === '-b';
    const address = arg.startsWith('--bind=')
      ? arg.slice('--bind='.length)
      : bindsNext
        ? command[index + 1]
        : undefined;
    const port = address?.match(/:(\d+)$/)?.[1];
    if (port !== undefined && Number(port) !== appPort) {
      issues.add(
        `${field}[${bindsNext ? index + 1 : index}]`,
        `"${address}" binds port ${port}, not appPort ${appPort} (bind "0.0.0.0:${APP_PORT}": the web service writes appPort there)`,
      );
    }
  });
}

function validateService(field: string, service: ServiceConfig, issues: IssueCollector, minimumFloor: number): void {
  const memoryOptions = fargateMemoryOptions(service.cpu);
  if (memoryOptions.length === 0) {
    issues.add(`${field}.cpu`, `${service.cpu} is not a Fargate CPU size (use 256, 512, 1024, 2048 or 4096)`);
  } else if (!memoryOptions.includes(service.memoryMiB)) {
    issues.add(
      `${field}.memoryMiB`,
      `${service.memoryMiB} is not a Fargate memory size for cpu ${service.cpu} (use one of: ${memoryOptions.join(', ')})`,
    );
  }
  if (issues.integerIn(`${field}.minTasks`, service.minTasks, minimumFloor, 100)) {
    if (
      issues.integerIn(
        `${field}.maxTasks`,
        service.maxTasks,
        Math.max(1, service.minTasks),
        100,
        `, at least minTasks ${service.minTasks}`,
      )
    ) {
      issues.integerIn(
        `${field}.capacity.onDemandBase`,
        service.capacity.onDemandBase,
        0,
        service.maxTasks,
        ', at most maxTasks',
      );
    }
  }
  issues.integerIn(`${field}.capacity.spotPercent`, service.capacity.spotPercent, 0, 100);
  if (service.command.length === 0)
    issues.add(`${field}.command`, 'is empty (give the command, e.g. ["gunicorn", ...])');
}

/**
 * Secrets (`applicationSecrets`) and plain variables (`compute.environment`): valid names, each in
 * one place, none that the platform or Fargate sets itself.
 */
function validateApplicationEnvironment(env: EnvironmentConfig, issues: IssueCollector): void {
  const secretNames = new Set<string>();
  env.applicationSecrets.forEach((name, index) => {
    const field = `${env.name}.applicationSecrets[${index}]`;
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
      issues.add(
        field,
        `${JSON.stringify(name)} is not an environment variable name (use upper case, digits and underscores, e.g. "DJANGO_SECRET_KEY")`,
      );
    } else if (secretNames.has(name)) {
      issues.add(field, `"${name}" is listed twice (list each secret once)`);
    } else if (PLATFORM_VARIABLES[name] !== undefined) {
      issues.add(
        field,
        `"${name}" is set by the platform from ${PLATFORM_VARIABLES[name]} (remove it from applicationSecrets)`,
      );
    } else if (FARGATE_VARIABLES.includes(name)) {
      issues.add(field, `"${name}" is set by ECS on Fargate in every container (remove it from applicationSecrets)`);
    }
    secretNames.add(name);
  });
  for (const [name, value] of Object.entries(env.compute.environment)) {
    const field = `${env.name}.compute.environment.${name}`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      issues.add(field, 'is not an environment variable name (letters, digits, underscores)');
    } else if (PLATFORM_VARIABLES[name] !== undefined) {
      issues.add(
        field,
        `${JSON.stringify(value)} clashes with the value the platform sets from ${PLATFORM_VARIABLES[name]} (remove the key)`,
      );
    } else if (FARGATE_VARIABLES.includes(name)) {
      issues.add(
        field,
        `${JSON.stringify(value)} clashes with the value ECS on Fargate sets in every container (remove the key)`,
      );
    } else if (env.compute.tracing?.enabled && TRACING_VARIABLES[name] !== undefined) {
      issues.add(
        field,
        `${JSON.stringify(value)} clashes with the value the platform sets from ${TRACING_VARIABLES[name]} (remove the key, or turn tracing off)`,
      );
    } else if (secretNames.has(name)) {
      issues.add(field, 'is also an application secret (set it in one place: secrets stay out of plain environment)');
    }
  }
}

/** Every task's pool at maxTasks must fit in the database's connections less the reserved ones. */
function validatePgBouncer(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.compute.pgbouncer.${field}`;
  const { web, worker, pgbouncer: pool } = env.compute;
  if (
    issues.integerIn(at('defaultPoolSize'), pool.defaultPoolSize, 1, 1000) &&
    issues.integerIn(at('reservedConnections'), pool.reservedConnections, 3, 1000, '; RDS keeps 3 for itself') &&
    RDS_INSTANCE_MEMORY_GIB[env.database.instanceClass] !== undefined &&
    // Bounds out of range have their own issue: the pools are checked against valid ones only.
    !issues.has(`${env.name}.compute.web.maxTasks`) &&
    !issues.has(`${env.name}.compute.worker.maxTasks`)
  ) {
    const maxConnections = maxConnectionsFor(env.database.instanceClass);
    const tasks = web.maxTasks + worker.maxTasks;
    const needed = tasks * pool.defaultPoolSize;
    const available = maxConnections - pool.reservedConnections;
    if (needed > available) {
      issues.add(
        at('defaultPoolSize'),
        `(${web.maxTasks} web + ${worker.maxTasks} worker tasks) x ${pool.defaultPoolSize} = ${needed} server connections exceed ` +
          `max_connections ${maxConnections} - ${pool.reservedConnections} reserved = ${available} on ${env.database.instanceClass} ` +
          `(lower the pool size or maxTasks, or use a larger database class)`,
      );
    }
  }
  issues.integerIn(at('maxClientConnections'), pool.maxClientConnections, 1, 100_000);
}
