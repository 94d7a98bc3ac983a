import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * Emulators whose private internals the local runtime patches: an upgrade must be a deliberate change
 * that re-reads the patch (local/emulators/README.md), never something a `^` range does silently.
 */
const PATCHED = {
  'local-aws-sqs': 'local/emulators/sqs/patch-queue.ts (queue internals)',
  s3rver: 'local/emulators/s3.ts (account registry)',
} as const;

const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('dependencies whose internals the local runtime patches', () => {
  for (const [name, patchedIn] of Object.entries(PATCHED)) {
    it(`pins ${name} exactly, and the installed copy is that version (patched in ${patchedIn})`, () => {
      const wanted = manifest.dependencies[name];
      expect(wanted).toMatch(/^\d+\.\d+\.\d+$/);
      const installed = (require(`${name}/package.json`) as { version: string }).version;
      expect(installed).toBe(wanted);
    });
  }
});
