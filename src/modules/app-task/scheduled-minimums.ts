import { TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type { ScheduledMinimum } from '../../config/types';
import type { ServiceBounds } from '../state-guard/service-bounds';

/** `HH:MM` as cron fields. */
function clock(time: string): { hour: string; minute: string } {
  const [hour, minute] = time.split(':');
  return { hour: String(Number(hour)), minute: String(Number(minute)) };
}

/**
 * Scheduled scaling (`compute.<service>.scheduledMinimums`): at each window's start the service's
 * minimum rises to the window's, at its end it falls back to the configured one, in `timeZone`.
 * Scheduled actions change the minimum only, so the maximum (and a pause's 0..0) stays in charge.
 * A pause also suspends them (pause registers the target with scheduled scaling suspended, resume
 * lifts it, and a deploy sets it from the state record through the bounds), so no window starts
 * tasks while the environment is paused.
 */
export function addScheduledMinimums(
  target: appscaling.ScalableTarget,
  bounds: ServiceBounds,
  windows: readonly ScheduledMinimum[],
  configuredMin: number,
  timeZone: string,
): void {
  if (windows.length === 0) return;
  for (const window of windows) {
    const schedule = (time: string) =>
      appscaling.Schedule.cron({ ...clock(time), weekDay: window.days, day: undefined, month: '*' });
    target.scaleOnSchedule(`${window.name}-start`, {
      schedule: schedule(window.from),
      minCapacity: window.minTasks,
      timeZone: TimeZone.of(timeZone),
    });
    target.scaleOnSchedule(`${window.name}-end`, {
      schedule: schedule(window.to),
      minCapacity: configuredMin,
      timeZone: TimeZone.of(timeZone),
    });
  }
  const resource = target.node.defaultChild as appscaling.CfnScalableTarget;
  resource.addPropertyOverride('SuspendedState.ScheduledScalingSuspended', bounds.scheduledScalingSuspended);
}
