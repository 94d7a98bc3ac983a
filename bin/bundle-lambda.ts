/**
 * Bundles one Lambda handler: `tsx bin/bundle-lambda.ts <entry.ts> <outfile.mjs>`. CDK's asset
 * bundling runs it (lib/constructs/lambda-code.ts) because esbuild plugins need esbuild's
 * asynchronous API, which CDK's synchronous local bundling hook cannot call itself.
 */
import { bundleLambda } from '../lib/bundling.ts';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) throw new Error('usage: tsx bin/bundle-lambda.ts <entry.ts> <outfile.mjs>');
await bundleLambda(entry, outfile);
