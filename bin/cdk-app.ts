#!/usr/bin/env node
import { createIntakeApp } from '../lib/app.ts';
import { addPolicyChecks } from '../lib/policy-checks.ts';

/** `npx cdk synth|deploy -c env=dev|staging|prod [-c mailDomains=a.example,b.example] …` */
const { app } = createIntakeApp();
addPolicyChecks(app);
app.synth();
