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

/**
 * Acknowledges specific findings of a rule that reports one finding per offending value
 * (cdk-nag's IAM4 and IAM5: `AwsSolutions-IAM5[Resource::*]`); acknowledging the bare rule id
 * does not cover them, which keeps each wildcard a deliberate, named decision.
 */
export function acknowledgeFindings(
  scope: IConstruct,
  ruleId: string,
  findings: readonly string[],
  reason: string,
): void {
  for (const finding of findings) acknowledge(scope, `${ruleId}[${finding}]`, reason);
}
