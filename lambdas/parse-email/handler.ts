import * as z from '#contracts/zod.ts';
import { admissionWindows, blobs, clock, jobs, projects } from '#runtime/handler-deps.ts';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context.ts';
import { ingestEmail } from '#workflow/ingest-email.ts';

const eventSchema = z.object({
  bucket: z.string().check(z.minLength(1)),
  key: z.string().check(z.minLength(1)),
  jobId: z.string().check(z.minLength(1)),
  executionArn: z.string().check(z.minLength(1)),
});

/** ParseEmail: parse and admit the stored email; store its instruction and attachments. */
export const createHandler = (context: HandlerContext) => async (event: unknown) =>
  ingestEmail(eventSchema.parse(event), {
    blobs: blobs(context),
    projects: projects(context),
    jobs: jobs(context),
    windows: admissionWindows(context),
    mailDomain: context.config.mailDomain,
    clock,
  });

export const handler = lambdaHandler('parse-email', createHandler);
