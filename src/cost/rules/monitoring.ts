import { priceKey } from '../price-table';
import { monthly, type RuleTable } from './context';

/**
 * CloudWatch alarms and dashboards: flat monthly charges (custom metrics are priced where they are
 * published). Account-wide free tiers (10 alarms, 3 dashboards) are not deducted.
 */
export const monitoringRules: RuleTable = {
  'AWS::CloudWatch::Alarm': monthly('standard alarm', priceKey.alarmMonth),
  'AWS::CloudWatch::CompositeAlarm': monthly('composite alarm', priceKey.compositeAlarmMonth),
  'AWS::CloudWatch::Dashboard': monthly('dashboard', priceKey.dashboardMonth),
};
