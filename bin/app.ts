#!/usr/bin/env node
// The CDK app that `npx cdk synth|deploy` runs (see cdk.json). Account ids may be overridden with
// BOOKING_ACCOUNT / BOOKING_<ENV>_ACCOUNT; BOOKING_FIRST_DEPLOY=dev[,prod] creates those
// environments' services at zero tasks (their first deploy, before any image exists); everything
// else comes from src/config. A config mistake prints one line per mistake and exits 2.
import { synthesizeEntryPoint } from '../src/entry-point';

synthesizeEntryPoint(process.env);
