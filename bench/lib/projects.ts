import type { ProjectInput } from '#domain/project-config.ts';
import { AMELIA } from '../../test/helpers/local-runtime.ts';

/**
 * The test project with its admission limits out of the way: a bench sends far more emails from one
 * sender than the 20 an hour the defaults admit, and a refused email never reaches a worker.
 */
export const AMELIA_UNLIMITED: ProjectInput = {
  ...AMELIA,
  settings: { ...AMELIA.settings, rateLimits: { perSender: 1000, perProject: 1000 } },
};
