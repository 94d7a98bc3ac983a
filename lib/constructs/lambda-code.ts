import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The file name of every bundle: `index.mjs`, so the Lambda handler is `index.handler`. */
export const LAMBDA_BUNDLE_FILE = 'index.mjs';

/**
 * A handler's code asset, bundled by `bin/bundle-lambda.ts` (lib/bundling.ts, the same build as
 * `npm run build` and the bundle benchmark) in a child Node process, as `NodejsFunction` runs the
 * esbuild command. The asset hash is the output's, so an unchanged bundle is not uploaded again.
 */
export const lambdaBundleCode = (projectRoot: string, entry: string): lambda.Code => {
  const script = path.join('bin', 'bundle-lambda.ts');
  const relativeEntry = path.relative(projectRoot, entry);
  return lambda.Code.fromAsset(projectRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Used only if local bundling is unavailable: the same script in a Node.js build image.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      command: ['npx', 'tsx', script, relativeEntry, `/asset-output/${LAMBDA_BUNDLE_FILE}`],
      local: {
        tryBundle(outputDir) {
          const result = spawnSync(
            process.execPath,
            ['--import', 'tsx', script, relativeEntry, path.join(outputDir, LAMBDA_BUNDLE_FILE)],
            { cwd: projectRoot, stdio: ['ignore', 'inherit', 'inherit'] },
          );
          if (result.status !== 0)
            throw new Error(
              `bundling ${relativeEntry} failed (${result.error?.message ?? `exit ${result.status}`})`,
            );
          return true;
        },
      },
    },
  });
};
