/**
 * Facts about the application image that every environment shares (one image runs everywhere):
 * its commands and health check. An environment may still override any of them in its config.
 */

/**
 * Stands for `compute.appPort` in a web command: the web service writes the port in its place, so
 * the port is set once, in config, and the bind follows it.
 */
export const APP_PORT = '{appPort}';

/** gunicorn serving Django on the app port; /tmp for worker heartbeats (read-only root friendly). */
export function webCommand(workers: number): string[] {
  return [
    'gunicorn',
    'config.wsgi:application',
    '--bind',
    `0.0.0.0:${APP_PORT}`,
    '--workers',
    String(workers),
    '--worker-tmp-dir',
    '/tmp',
  ];
}

/** `command` with each `{appPort}` replaced by `appPort`. */
export function withAppPort(command: readonly string[], appPort: number): string[] {
  return command.map((arg) => arg.replaceAll(APP_PORT, String(appPort)));
}

/** The Dramatiq worker through django-dramatiq. */
export const WORKER_COMMAND = ['python', 'manage.py', 'rundramatiq', '--processes', '1', '--threads', '4'];

/** The seed's process-based worker health check. */
export const WORKER_HEALTH_CHECK = 'pgrep -f rundramatiq > /dev/null || exit 1';

/**
 * The web container's own health check (`compute.web.healthCheckCommand`, needed without a load
 * balancer), asking what the ALB's target group asked: `GET /health/` on the task's private
 * address and the app port (so the Host header is `<task IP>:<port>`, as the ALB sent it and the
 * app already accepts), 200 only, no redirect followed. Python from the image reads the address
 * from the ECS task metadata endpoint; a refused connection, another status or 4 s without an
 * answer fail it.
 */
export const WEB_HEALTH_CHECK =
  'python -c "' +
  [
    'import json, os, urllib.request as u',
    "ip = json.load(u.urlopen(os.environ['ECS_CONTAINER_METADATA_URI_V4'], timeout=2))['Networks'][0]['IPv4Addresses'][0]",
    `url = 'http://' + ip + ':${APP_PORT}/health/'`,
    'answer = u.urlopen(url, timeout=4)',
    'assert answer.status == 200 and answer.geturl() == url',
  ].join('; ') +
  '" || exit 1';

/** The one-off migration. */
export const MIGRATE_COMMAND = ['python', 'manage.py', 'migrate', '--noinput'];

/** Non-secret settings every environment passes to the application. */
export const APPLICATION_ENVIRONMENT = { DJANGO_SETTINGS_MODULE: 'config.settings', DJANGO_DEBUG: 'false' };
