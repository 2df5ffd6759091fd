import { HOURS_PER_MONTH, priceKey } from '../price-table';
import { evenShare, type RuleTable } from './context';

/**
 * NAT gateways (the assumed NAT traffic split between them), public addresses and VPC endpoints
 * (interface ones per AZ-hour and per GB of the assumed endpoint traffic, split between them).
 */
export const networkRules: RuleTable = {
  'AWS::EC2::NatGateway': (ctx) => ({
    charges: [
      { what: 'hours', quantity: HOURS_PER_MONTH, priceKey: priceKey.natHour },
      { what: 'GB processed', quantity: evenShare(ctx, ctx.usage.natDataGiB), priceKey: priceKey.natGb },
    ],
    note: 'its public IPv4 is the EIP line',
  }),

  'AWS::EC2::EIP': () => ({
    charges: [{ what: 'public IPv4 hours', quantity: HOURS_PER_MONTH, priceKey: priceKey.publicIpv4Hour }],
  }),

  'AWS::EC2::VPCEndpoint': (ctx) => {
    const props = ctx.resource.Properties ?? {};
    if ((props.VpcEndpointType ?? 'Gateway') === 'Gateway')
      return { free: 'gateway endpoints (S3, DynamoDB) are free' };
    const zones = Array.isArray(props.SubnetIds) ? props.SubnetIds.length : 1;
    const interfaceEndpoints = ctx.all.filter(
      (entry) =>
        entry.resource.Type === 'AWS::EC2::VPCEndpoint' && entry.resource.Properties?.VpcEndpointType === 'Interface',
    ).length;
    // Traffic comes from tasks (and the rotation functions): none while paused or minimal.
    const totalGiB = ctx.state === 'running' ? (ctx.usage.endpointDataGiB ?? 0) : 0;
    ctx.assume(
      `interface endpoints: ${ctx.usage.endpointDataGiB ?? 0} GB a month processed in all (usage.endpointDataGiB), split evenly between the ${interfaceEndpoints} endpoints, only while running; their AZ-hours are billed in every state they exist in`,
    );
    return {
      charges: [
        {
          what: `AZ-hours (${zones} AZ)`,
          quantity: zones * HOURS_PER_MONTH,
          priceKey: priceKey.interfaceEndpointAzHour,
        },
        { what: 'GB processed', quantity: totalGiB / interfaceEndpoints, priceKey: priceKey.interfaceEndpointGb },
      ],
    };
  },
};
