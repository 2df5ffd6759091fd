import { priceKey } from '../price-table';
import { evenShare, monthly, type RuleTable } from './context';

/** CodePipeline (V2 by action minute, V1 by active pipeline) and CodeBuild build minutes. */
export const pipelineRules: RuleTable = {
  'AWS::CodePipeline::Pipeline': (ctx) => {
    if (ctx.resource.Properties?.PipelineType === 'V2') {
      const minutes = evenShare(ctx, ctx.usage.pipelineActionMinutes);
      return {
        charges: [{ what: 'action-execution minutes', quantity: minutes, priceKey: priceKey.pipelineV2ActionMinute }],
      };
    }
    return monthly('active V1 pipeline', priceKey.pipelineV1Month)(ctx);
  },

  'AWS::CodeBuild::Project': (ctx) => {
    const environment = ctx.resource.Properties?.Environment ?? {};
    const arch = String(environment.Type ?? '').startsWith('ARM') ? 'arm64' : 'x86_64';
    return {
      charges: [
        {
          what: 'build minutes',
          quantity: evenShare(ctx, ctx.usage.buildMinutes),
          priceKey: priceKey.codeBuildMinute(String(environment.ComputeType), arch),
        },
      ],
    };
  },
};
