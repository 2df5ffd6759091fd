import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag or CloudFormation-validator finding on `scope` and everything under
 * it. Every acknowledgement in this project goes through here so that each carries a reason a
 * reviewer can judge; the tests list them all.
 */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
  if (reason.trim().length < 20) {
    throw new Error(`acknowledgement of ${ruleId} at ${scope.node.path} needs a real reason, got "${reason}"`);
  }
  Validations.of(scope).acknowledge({ id: ruleId, reason });
}
