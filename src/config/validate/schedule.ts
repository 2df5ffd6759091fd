import type { EnvironmentConfig } from '../types';
import type { IssueCollector } from './issues';

/** When set: pause and resume as EventBridge Scheduler expressions, in an IANA time zone. */
export function validateSchedule(env: EnvironmentConfig, issues: IssueCollector): void {
  const schedule = env.schedule;
  if (!schedule) return;
  const at = (field: string) => `${env.name}.schedule.${field}`;
  for (const key of ['pause', 'resume'] as const) {
    if (!/^(cron\([^)]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/.test(schedule[key])) {
      issues.add(
        at(key),
        `${JSON.stringify(schedule[key])} is not a schedule expression (e.g. "cron(0 20 ? * MON-FRI *)")`,
      );
    }
  }
  if (!/^[A-Za-z]+(\/[A-Za-z_+-]+)+$|^UTC$/.test(schedule.timezone)) {
    issues.add(at('timezone'), `${JSON.stringify(schedule.timezone)} is not an IANA time zone (e.g. "Europe/London")`);
  }
}
