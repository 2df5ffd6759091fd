import type { EnvironmentConfig } from '../types';
import type { IssueCollector } from './issues';

/**
 * When set: pause and resume as expressions EventBridge Scheduler accepts (`cron(...)` with its
 * six fields and their ranges, `rate(...)`, `at(...)`), at different times, in an IANA time zone.
 */
export function validateSchedule(env: EnvironmentConfig, issues: IssueCollector): void {
  const schedule = env.schedule;
  if (!schedule) return;
  const at = (field: string) => `${env.name}.schedule.${field}`;
  for (const key of ['pause', 'resume'] as const) {
    const problem = scheduleExpressionProblem(schedule[key]);
    if (problem) issues.add(at(key), problem);
  }
  if (!issues.has(at('pause')) && !issues.has(at('resume')) && schedule.pause === schedule.resume) {
    const example = schedule.pause === EXAMPLE_RESUME ? EXAMPLE_PAUSE : EXAMPLE_RESUME;
    issues.add(
      at('resume'),
      `"${schedule.resume}" is also the pause expression (resume at another time, e.g. "${example}")`,
    );
  }
  if (!isTimeZone(schedule.timezone)) {
    issues.oneOf(at('timezone'), schedule.timezone, TIME_ZONES, 'an IANA time zone', 'Europe/London');
  }
}

const EXAMPLE_PAUSE = 'cron(0 20 ? * MON-FRI *)';
const EXAMPLE_RESUME = 'cron(0 7 ? * MON-FRI *)';

/** IANA names this runtime knows (canonical ones), and UTC, which the list leaves out. */
const TIME_ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone')];

/**
 * An IANA time zone name: a canonical one, or an alias the runtime resolves (e.g. `Europe/Kyiv`
 * where its data still says `Europe/Kiev`). Written in the database's own case: `europe/london`,
 * which Intl would accept, is refused and corrected.
 */
function isTimeZone(value: string): boolean {
  if (TIME_ZONES.includes(value)) return true;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
    return resolved.toLowerCase() !== value.toLowerCase() || resolved === value;
  } catch {
    return false;
  }
}

/** Why EventBridge Scheduler would refuse `expression`, as the issue's message; undefined when it is valid. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const problems = cronProblems(cron[1].trim().split(/\s+/));
    if (problems.length === 0) return undefined;
    return `"${expression}" is not a cron expression EventBridge Scheduler accepts (${problems.join('; ')})`;
  }
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) {
    const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(rate[1]);
    if (match && Number(match[1]) >= 1) return undefined;
    return `"${expression}" is not a rate EventBridge Scheduler accepts (write rate(N unit) with N a whole number of 1 or more and unit minutes, hours or days, e.g. "rate(12 hours)")`;
  }
  const once = /^at\((.*)\)$/.exec(expression);
  if (once) {
    if (isDateTime(once[1])) return undefined;
    return `"${expression}" is not a date and time EventBridge Scheduler accepts (write at(yyyy-mm-ddThh:mm:ss), e.g. "at(2030-01-07T07:00:00)")`;
  }
  return `${JSON.stringify(expression)} is not a schedule expression (e.g. "${EXAMPLE_PAUSE}")`;
}

/** A real date and time, `yyyy-mm-ddThh:mm:ss`. */
function isDateTime(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  );
}

/** One of the six fields of a cron expression, as EventBridge documents it. */
interface CronField {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names standing for min, min + 1, ... (months, days of the week). */
  readonly names?: readonly string[];
  /** The wildcards the field takes besides `,` `-` `*`. */
  readonly wildcards: string;
}

const CRON_FIELDS: readonly CronField[] = [
  { label: 'minute', min: 0, max: 59, wildcards: '/' },
  { label: 'hour', min: 0, max: 23, wildcards: '/' },
  { label: 'day-of-month', min: 1, max: 31, wildcards: '? / L W' },
  {
    label: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    wildcards: '/',
  },
  {
    label: 'day-of-week',
    min: 1,
    max: 7,
    names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
    wildcards: '? L #',
  },
  { label: 'year', min: 1970, max: 2199, wildcards: '/' },
];

/** What is wrong with the fields of `cron(...)`, each with its fix; empty when they are valid. */
function cronProblems(fields: readonly string[]): string[] {
  if (fields.length !== CRON_FIELDS.length) {
    return [
      `it has ${fields.length} fields, not 6: minute hour day-of-month month day-of-week year, e.g. "${EXAMPLE_PAUSE}"`,
    ];
  }
  const problems = CRON_FIELDS.map((field, index) => cronFieldProblem(field, fields[index])).filter(
    (problem): problem is string => problem !== undefined,
  );
  const [dayOfMonth, dayOfWeek] = [fields[2], fields[4]];
  if (dayOfMonth === '?' && dayOfWeek === '?') {
    problems.push('day-of-month and day-of-week are both "?": give one of them a value, e.g. "*" in day-of-month');
  } else if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    const where = dayOfWeek === '*' ? 'day-of-week' : dayOfMonth === '*' ? 'day-of-month' : 'one of them';
    problems.push(`day-of-month "${dayOfMonth}" and day-of-week "${dayOfWeek}" are both set: write "?" in ${where}`);
  }
  return problems;
}

function cronFieldProblem(field: CronField, text: string): string | undefined {
  if (text === '*') return undefined;
  if (text === '?') {
    return field.wildcards.includes('?')
      ? undefined
      : `${field.label} "?" is not allowed: only day-of-month and day-of-week take "?", use "*"`;
  }
  const items = text.split(',');
  if (items.length > 1 && text.includes('#')) {
    return `${field.label} "${text}" lists a "#" value with others: EventBridge takes one n#k alone`;
  }
  for (const item of items) {
    const problem = cronItemProblem(field, item);
    if (problem) return problem;
  }
  return undefined;
}

function cronItemProblem(field: CronField, item: string): string | undefined {
  if (field.label === 'day-of-month') {
    if (item === 'L' || item === 'LW') return undefined;
    const weekday = /^(\d+)W$/.exec(item);
    if (weekday) return cronValueProblem(field, weekday[1]);
  }
  if (field.label === 'day-of-week') {
    if (item === 'L') return undefined;
    const last = /^([A-Za-z0-9]+)L$/.exec(item);
    if (last) return cronValueProblem(field, last[1]);
    const nth = /^([A-Za-z0-9]+)#(\d+)$/.exec(item);
    if (nth) {
      return (
        cronValueProblem(field, nth[1]) ??
        (Number(nth[2]) >= 1 && Number(nth[2]) <= 5
          ? undefined
          : `day-of-week "${item}" asks for week ${nth[2]} of the month: use 1 to 5 after "#"`)
      );
    }
  }
  const [base, step, ...rest] = item.split('/');
  if (rest.length > 0) return `${field.label} "${item}" has more than one "/": write start/increment, e.g. "0/15"`;
  if (step !== undefined) {
    if (!field.wildcards.includes('/')) {
      return `${field.label} "${item}" uses "/", which ${field.label} does not take: use , - * ${field.wildcards}`;
    }
    if (!/^\d+$/.test(step) || Number(step) < 1) {
      return `${field.label} "${item}" has increment "${step}": write a whole number of 1 or more after "/"`;
    }
    if (base === '*') return undefined;
  }
  const ends = base.split('-');
  if (ends.length > 2 || ends.some((end) => end === '')) {
    return `${field.label} "${item}" is not a value or a range: write e.g. "${field.names ? `${field.names[1]}-${field.names[5]}` : `${field.min}-${field.min + 5}`}"`;
  }
  for (const end of ends) {
    const problem = cronValueProblem(field, end);
    if (problem) return problem;
  }
  return undefined;
}

function cronValueProblem(field: CronField, value: string): string | undefined {
  if (/^\d+$/.test(value)) {
    const number = Number(value);
    if (number >= field.min && number <= field.max) return undefined;
    return `${field.label} ${number} is outside ${field.min}-${field.max}`;
  }
  if (field.names?.includes(value.toUpperCase())) return undefined;
  const names = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : '';
  return `${field.label} "${value}" is not ${field.min}-${field.max}${names}`;
}
