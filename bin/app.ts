#!/usr/bin/env node
// The CDK app that `npx cdk synth|deploy` runs (see cdk.json). Account ids may be overridden with
// BOOKING_<ENV>_ACCOUNT; everything else comes from src/config.
import { buildApp } from '../src/app';
import { platformConfig, withAccountOverrides } from '../src/config';
import { synthesize } from '../src/quality/synthesize';

const { app } = buildApp(withAccountOverrides(platformConfig, process.env));
synthesize(app);
