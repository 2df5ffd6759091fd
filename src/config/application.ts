/**
 * Facts about the application image that every environment shares (one image runs everywhere):
 * its commands and health check. An environment may still override any of them in its config.
 */

/** gunicorn serving Django on the app port; /tmp for worker heartbeats (read-only root friendly). */
export function webCommand(workers: number, port = 8000): string[] {
  return [
    'gunicorn',
    'config.wsgi:application',
    '--bind',
    `0.0.0.0:${port}`,
    '--workers',
    String(workers),
    '--worker-tmp-dir',
    '/tmp',
  ];
}

/** The Dramatiq worker through django-dramatiq. */
export const WORKER_COMMAND = ['python', 'manage.py', 'rundramatiq', '--processes', '1', '--threads', '4'];

/** The seed's process-based worker health check. */
export const WORKER_HEALTH_CHECK = 'pgrep -f rundramatiq > /dev/null || exit 1';

/** The one-off migration. */
export const MIGRATE_COMMAND = ['python', 'manage.py', 'migrate', '--noinput'];

/** Non-secret settings every environment passes to the application. */
export const APPLICATION_ENVIRONMENT = { DJANGO_SETTINGS_MODULE: 'config.settings', DJANGO_DEBUG: 'false' };
