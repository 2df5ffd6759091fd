import { priceKey } from '../price-table';
import { monthly, type RuleTable } from './context';

/** Secrets, keys and parameters: flat monthly charges; standard parameters are free. */
export const securityRules: RuleTable = {
  'AWS::SecretsManager::Secret': monthly('secret', priceKey.secretMonth),
  'AWS::KMS::Key': monthly('customer managed key', priceKey.kmsKeyMonth),
  'AWS::SSM::Parameter': (ctx) =>
    ctx.resource.Properties?.Tier === 'Advanced'
      ? monthly('advanced parameter', priceKey.advancedParameterMonth)(ctx)
      : { free: 'standard parameters are free' },
};
