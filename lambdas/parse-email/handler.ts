import { z } from 'zod';
import { admissionWindows, blobs, config, jobs, now, projects } from '#runtime/handler-deps';
import { ingestEmail } from '#workflow/ingest-email';

const eventSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  jobId: z.string().min(1),
  executionArn: z.string().min(1),
});

/** ParseEmail: parse and admit the stored email; store its instruction and attachments. */
export const handler = async (event: unknown) =>
  ingestEmail(eventSchema.parse(event), {
    blobs: blobs(),
    projects: projects(),
    jobs: jobs(),
    windows: admissionWindows(),
    mailDomain: config().mailDomain,
    now,
  });
