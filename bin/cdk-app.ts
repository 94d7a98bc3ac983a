#!/usr/bin/env node
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createIntakeApp } from '../lib/app.ts';

/** `npx cdk synth|deploy -c env=dev|staging|prod [-c mailDomains=a.example,b.example] …` */
const { app } = createIntakeApp();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
