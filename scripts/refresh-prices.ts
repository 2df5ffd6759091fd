// `npm run refresh-prices -- [region]`: reads AWS's public Price List offer files for a region and
// prints, for every price-table entry it can match, the current list price and SKU next to the
// figure in src/cost/prices/<region>.ts, so a reviewer can update the table (keeping the source and
// date columns honest). Needs network; never run by the tests.
//
// Offer files: https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<OfferCode>/current/<region>/index.json
import { priceTableFor } from '../src/cost/prices';
import { isPriced } from '../src/cost/price-table';

interface Offer {
  products: Record<string, { sku: string; productFamily?: string; attributes: Record<string, string> }>;
  terms: {
    OnDemand: Record<
      string,
      Record<
        string,
        { priceDimensions: Record<string, { unit: string; pricePerUnit: { USD: string }; beginRange?: string }> }
      >
    >;
  };
}

/** How to find one price-table key in an offer file. */
interface Matcher {
  readonly key: string;
  readonly offer: string;
  readonly match: (attributes: Record<string, string>, productFamily: string | undefined) => boolean;
}

const usage = (suffix: string) => (a: Record<string, string>) =>
  a.usagetype === suffix || a.usagetype?.endsWith(`-${suffix}`);

const MATCHERS: Matcher[] = [
  { key: 'fargate.x86_64.vcpu-hour', offer: 'AmazonECS', match: usage('Fargate-vCPU-Hours:perCPU') },
  { key: 'fargate.x86_64.gb-hour', offer: 'AmazonECS', match: usage('Fargate-GB-Hours') },
  { key: 'fargate.arm64.vcpu-hour', offer: 'AmazonECS', match: usage('Fargate-ARM-vCPU-Hours:perCPU') },
  { key: 'fargate.arm64.gb-hour', offer: 'AmazonECS', match: usage('Fargate-ARM-GB-Hours') },
  ...['db.t4g.micro', 'db.t4g.small', 'db.t3.micro'].flatMap((instanceType) =>
    (['Single-AZ', 'Multi-AZ'] as const).map((deployment) => ({
      key: `rds.postgres.${instanceType}.${deployment.toLowerCase()}.hour`,
      offer: 'AmazonRDS',
      match: (a: Record<string, string>, family: string | undefined) =>
        family === 'Database Instance' &&
        a.databaseEngine === 'PostgreSQL' &&
        a.instanceType === instanceType &&
        a.deploymentOption === deployment,
    })),
  ),
  ...(['Single-AZ', 'Multi-AZ'] as const).map((deployment) => ({
    key: `rds.gp3.${deployment.toLowerCase()}.gb-month`,
    offer: 'AmazonRDS',
    match: (a: Record<string, string>, family: string | undefined) =>
      family === 'Database Storage' &&
      a.volumeType === 'General Purpose-GP3' &&
      a.databaseEngine === 'PostgreSQL' &&
      a.deploymentOption === deployment,
  })),
  ...(['Redis', 'Valkey'] as const).map((engine) => ({
    key: `elasticache.${engine.toLowerCase()}.cache.t4g.micro.hour`,
    offer: 'AmazonElastiCache',
    match: (a: Record<string, string>, family: string | undefined) =>
      family === 'Cache Instance' && a.instanceType === 'cache.t4g.micro' && a.cacheEngine === engine,
  })),
  {
    key: 'alb.hour',
    offer: 'AWSELB',
    match: (a, family) => family === 'Load Balancer-Application' && /LoadBalancerUsage$/.test(a.usagetype ?? ''),
  },
  {
    key: 'alb.lcu-hour',
    offer: 'AWSELB',
    match: (a, family) => family === 'Load Balancer-Application' && /LCUUsage$/.test(a.usagetype ?? ''),
  },
  { key: 'nat.hour', offer: 'AmazonEC2', match: usage('NatGateway-Hours') },
  { key: 'nat.gb', offer: 'AmazonEC2', match: usage('NatGateway-Bytes') },
  { key: 'ipv4.public.hour', offer: 'AmazonVPC', match: usage('PublicIPv4:InUseAddress') },
  { key: 'vpce.interface.az-hour', offer: 'AmazonVPC', match: usage('VpcEndpoint-Hours') },
  {
    key: 's3.standard.gb-month',
    offer: 'AmazonS3',
    match: (a) => a.volumeType === 'Standard' && /TimedStorage-ByteHrs$/.test(a.usagetype ?? ''),
  },
  {
    key: 'secretsmanager.secret.month',
    offer: 'AWSSecretsManager',
    match: (a) => /AWSSecretsManager-Secrets$/.test(a.usagetype ?? ''),
  },
];

async function loadOffer(offer: string, region: string): Promise<Offer> {
  const url = `https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/${offer}/current/${region}/index.json`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as Offer;
}

/** The first-tier on-demand USD price of a SKU. */
function onDemandPrice(offer: Offer, sku: string): number | undefined {
  for (const term of Object.values(offer.terms.OnDemand[sku] ?? {})) {
    const dimensions = Object.values(term.priceDimensions).sort(
      (a, b) => Number(a.beginRange ?? 0) - Number(b.beginRange ?? 0),
    );
    if (dimensions.length > 0) return Number(dimensions[0].pricePerUnit.USD);
  }
  return undefined;
}

async function main(region: string): Promise<void> {
  const table = priceTableFor(region);
  const offers = new Map<string, Offer>();
  console.log(`Price List check for ${region} (${new Date().toISOString().slice(0, 10)})`);
  for (const matcher of MATCHERS) {
    if (!offers.has(matcher.offer)) offers.set(matcher.offer, await loadOffer(matcher.offer, region));
    const offer = offers.get(matcher.offer)!;
    const product = Object.values(offer.products).find((p) => matcher.match(p.attributes, p.productFamily));
    const current = table.prices[matcher.key];
    const currentText = current === undefined ? 'absent' : isPriced(current) ? String(current.usd) : 'unpriced';
    if (!product) {
      console.log(`${matcher.key}: no matching product in ${matcher.offer} (table: ${currentText})`);
      continue;
    }
    const price = onDemandPrice(offer, product.sku);
    const flag = current && isPriced(current) && price === current.usd ? 'same' : 'CHANGED';
    console.log(`${matcher.key}: ${price} USD (SKU ${product.sku}) table: ${currentText} ${flag}`);
  }
}

main(process.argv[2] ?? 'eu-west-2').catch((error) => {
  console.error(`refresh-prices: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
