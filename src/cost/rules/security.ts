import { priceKey } from '../price-table';
import { monthly, type RuleTable } from './context';
import { keptSnapshotCharges } from './database';

/** Secrets, keys and parameters: flat monthly charges; standard parameters are free. */
export const securityRules: RuleTable = {
  // The database's master secret also carries the snapshot keeping its data while minimal.
  'AWS::SecretsManager::Secret': (ctx) => ({
    charges: [{ what: 'secret', quantity: 1, priceKey: priceKey.secretMonth }, ...keptSnapshotCharges(ctx)],
  }),
  'AWS::KMS::Key': monthly('customer managed key', priceKey.kmsKeyMonth),
  'AWS::SSM::Parameter': (ctx) =>
    ctx.resource.Properties?.Tier === 'Advanced'
      ? monthly('advanced parameter', priceKey.advancedParameterMonth)(ctx)
      : { free: 'standard parameters are free' },
};
