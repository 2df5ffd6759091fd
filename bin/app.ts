#!/usr/bin/env node
// The CDK app that `npx cdk synth|deploy` runs (see cdk.json). Account ids may be overridden with
// BOOKING_<ENV>_ACCOUNT; BOOKING_FIRST_DEPLOY=dev[,prod] creates those environments' services at
// zero tasks (their first deploy, before any image exists); everything else comes from src/config.
import { buildApp } from '../src/app';
import { platformConfig, withAccountOverrides } from '../src/config';
import { synthesize } from '../src/quality/synthesize';

const firstDeploy = (process.env.BOOKING_FIRST_DEPLOY ?? '').split(',').filter(Boolean);
const { app } = buildApp(withAccountOverrides(platformConfig, process.env), { firstDeploy });
synthesize(app);
