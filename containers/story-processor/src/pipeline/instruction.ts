import type { Job } from '#contracts/messages.ts';
import type { BlobReader } from '../ports.ts';
import { oneLine } from '../text.ts';

export interface InstructionLimits {
  maxInstructionBytes: number;
  /** Text attachments up to this size are given to the model inline; others by name only. */
  maxInlineAttachmentBytes: number;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|yaml|x-yaml|toml|javascript|typescript|x-sh|sql|csv))/i;

/** The instruction text from S3, followed by the job's text attachments. Email text is untrusted data. */
export async function loadInstruction(
  job: Job,
  blobs: BlobReader,
  limits: InstructionLimits,
): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  const body = decoder.decode(await blobs.get(job.bucket, job.instructionKey, limits.maxInstructionBytes));
  const parts = [body.trim()];
  for (const attachment of job.attachments) {
    const name = oneLine(attachment.filename, 120);
    if (TEXT_TYPES.test(attachment.contentType) && attachment.size <= limits.maxInlineAttachmentBytes) {
      const text = decoder.decode(
        await blobs.get(job.bucket, attachment.key, limits.maxInlineAttachmentBytes),
      );
      parts.push(
        `Attachment "${name}" (${attachment.contentType}):\n<attachment>\n${text.trimEnd()}\n</attachment>`,
      );
    } else {
      parts.push(`Attachment "${name}" (${attachment.contentType}, ${attachment.size} bytes) is not shown.`);
    }
  }
  return parts.join('\n\n');
}
