import type { EnvironmentConfig, ScheduledMinimum, ServiceConfig } from '../types';
import type { IssueCollector } from './issues';

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** Minutes a resume takes at most (the database starts, the targets turn healthy). */
const RESUME_MARGIN = 30;
/** Minutes before a scheduled pause by which a window's end must have run. */
const PAUSE_MARGIN = 15;

/** The days a cron day-of-week field names (`MON-FRI`, `SAT,SUN`, `MON`), or undefined. */
export function cronDays(field: string): Set<number> | undefined {
  const days = new Set<number>();
  for (const part of field.split(',')) {
    const range = part.split('-');
    const indices = range.map((day) => DAYS.indexOf(day));
    if (indices.some((index) => index < 0) || indices.length > 2) return undefined;
    const [from, to = from] = indices;
    if (to < from) return undefined;
    for (let day = from; day <= to; day++) days.add(day);
  }
  return days;
}

/** Minutes after midnight of `HH:MM`, or undefined. */
export function clockMinutes(time: unknown): number | undefined {
  if (typeof time !== 'string') return undefined;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** `cron(M H ? * DAYS *)`, the form the pause schedule uses, as a time and days; else undefined. */
export function dailyCron(expression: string): { minutes: number; days: Set<number> } | undefined {
  const match = /^cron\((\d{1,2}) (\d{1,2}) \? \* ([A-Z,-]+) \*\)$/.exec(expression);
  if (!match) return undefined;
  const days = cronDays(match[3]);
  return days ? { minutes: Number(match[2]) * 60 + Number(match[1]), days } : undefined;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * `compute.timezone` and each service's `scheduledMinimums`: well-formed windows (a name, cron days,
 * `from` before `to`, a minimum above the service's and at most its maximum), no two windows of a
 * service overlapping (the later start would be undone by the earlier end), and, in an environment
 * paused on a schedule, every window inside the running hours in the schedule's own time zone:
 * a window reaching into the paused hours would be suspended there and fight the pause at its edges.
 */
export function validateScheduledScaling(env: EnvironmentConfig, issues: IssueCollector): void {
  const compute = env.compute;
  if (compute.timezone !== undefined && !isTimeZone(compute.timezone)) {
    issues.add(
      `${env.name}.compute.timezone`,
      `${JSON.stringify(compute.timezone)} is not an IANA time zone (e.g. "Europe/London")`,
    );
  }
  for (const role of ['web', 'worker'] as const) {
    validateService(env, role, compute[role], issues);
  }
}

function validateService(
  env: EnvironmentConfig,
  role: 'web' | 'worker',
  service: ServiceConfig,
  issues: IssueCollector,
): void {
  const windows = service.scheduledMinimums ?? [];
  const checked: Array<{ window: ScheduledMinimum; days: Set<number>; from: number; to: number }> = [];
  const names = new Set<string>();
  windows.forEach((window, index) => {
    const at = (field: string) => `${env.name}.compute.${role}.scheduledMinimums[${index}].${field}`;
    if (typeof window.name !== 'string' || !/^[A-Za-z0-9-]{1,40}$/.test(window.name)) {
      issues.add(at('name'), `${JSON.stringify(window.name)} is not a name (letters, digits and hyphens, at most 40)`);
    } else if (names.has(window.name)) {
      issues.add(at('name'), `"${window.name}" is used twice in ${role}.scheduledMinimums (name each window once)`);
    }
    names.add(window.name);
    const days = typeof window.days === 'string' ? cronDays(window.days) : undefined;
    if (!days) {
      issues.add(
        at('days'),
        `${JSON.stringify(window.days)} is not a cron day-of-week list (e.g. "MON-FRI", "SAT,SUN")`,
      );
    }
    const from = clockMinutes(window.from);
    const to = clockMinutes(window.to);
    if (from === undefined) issues.add(at('from'), `${JSON.stringify(window.from)} is not a 24-hour HH:MM time`);
    if (to === undefined) issues.add(at('to'), `${JSON.stringify(window.to)} is not a 24-hour HH:MM time`);
    if (from !== undefined && to !== undefined && to <= from) {
      issues.add(at('to'), `"${window.to}" is not after from "${window.from}" (a window ends the day it starts)`);
    }
    if (
      issues.integerIn(
        at('minTasks'),
        window.minTasks,
        service.minTasks + 1,
        Math.max(service.maxTasks, 1),
        `: above ${role}.minTasks ${service.minTasks} and at most its maxTasks ${service.maxTasks}`,
      ) &&
      days &&
      from !== undefined &&
      to !== undefined &&
      to > from
    ) {
      checked.push({ window, days, from, to });
    }
  });

  for (let i = 0; i < checked.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [checked[j], checked[i]];
      const sharedDay = [...a.days].some((day) => b.days.has(day));
      if (sharedDay && a.from < b.to && b.from < a.to) {
        issues.add(
          `${env.name}.compute.${role}.scheduledMinimums[${windows.indexOf(b.window)}]`,
          `"${b.window.name}" (${b.window.days} ${b.window.from}-${b.window.to}) overlaps "${a.window.name}" (${a.window.days} ${a.window.from}-${a.window.to}): one window's end would undo the other's minimum (merge them, or make them meet)`,
        );
      }
    }
  }

  const schedule = env.schedule;
  if (!schedule || checked.length === 0) return;
  const zone = env.compute.timezone ?? schedule.timezone;
  if (zone !== schedule.timezone) {
    issues.add(
      `${env.name}.compute.timezone`,
      `"${zone}" differs from schedule.timezone "${schedule.timezone}": the windows and the pause schedule must be read in one time zone (use "${schedule.timezone}")`,
    );
    return;
  }
  const resume = dailyCron(schedule.resume);
  const pause = dailyCron(schedule.pause);
  if (!resume || !pause) return; // Another shape of schedule: its running hours are not computed here.
  const hhmm = (minutes: number) =>
    `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  for (const { window, days, from, to } of checked) {
    const outsideDays = [...days].filter((day) => !resume.days.has(day)).map((day) => DAYS[day]);
    // A window must start once the resume is done (scheduled scaling stays suspended until it
    // lifts it, so an earlier start never runs) and end before the pause (an end the pause
    // suspends would leave the raised minimum recorded for the next resume).
    if (outsideDays.length > 0 || from < resume.minutes + RESUME_MARGIN || to > pause.minutes - PAUSE_MARGIN) {
      issues.add(
        `${env.name}.compute.${role}.scheduledMinimums[${windows.indexOf(window)}]`,
        `"${window.name}" (${window.days} ${window.from}-${window.to}) reaches outside the hours the schedule runs the environment (resume ${hhmm(resume.minutes)}, pause ${hhmm(pause.minutes)}${outsideDays.length > 0 ? `; paused all ${outsideDays.join(', ')}` : ''}): a paused environment's scheduled minimums are suspended, so the window would fight the pause (start it ${RESUME_MARGIN} minutes or more after the resume, end it ${PAUSE_MARGIN} minutes or more before the pause)`,
      );
    }
  }
}
