import { z } from 'zod';
import { workflowDeps } from '#runtime/workflow-deps';
import { ingestEmail } from '#workflow/ingest-email';

const eventSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  jobId: z.string().min(1),
  executionArn: z.string().min(1),
});

/** ParseEmail: parse and admit the stored email; store its instruction and attachments. */
export const handler = async (event: unknown) => {
  const deps = workflowDeps();
  return ingestEmail(eventSchema.parse(event), { ...deps, mailDomain: deps.config.mailDomain });
};
