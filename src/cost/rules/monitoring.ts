import { priceKey } from '../price-table';
import { monthly, type RuleTable } from './context';

/** CloudWatch alarms and dashboards: flat monthly charges (custom metrics are priced where they are published). */
export const monitoringRules: RuleTable = {
  'AWS::CloudWatch::Alarm': monthly('standard alarm', priceKey.alarmMonth),
  'AWS::CloudWatch::Dashboard': monthly('dashboard', priceKey.dashboardMonth),
};
