/** A parsed, normalised inbound email. Produced by `parseEmail` from raw MIME bytes. */
export interface InboundEmail {
  /** The Message-ID without angle brackets, or a stable id derived from the content when it is missing. */
  messageId: string;
  messageIdWasDerived: boolean;
  /** The root of References/In-Reply-To, else the thread token from a recipient's sub-address, else messageId. */
  threadId: string;
  /** Message ids this one replies to (In-Reply-To), without angle brackets. */
  inReplyTo: string | undefined;
  references: string[];
  /** Lower-cased bare address of the From header; undefined when missing or unparseable. */
  from: string | undefined;
  /** How many mailboxes the From field(s) name: anything but 1 is malformed for admission. */
  fromCount: number;
  fromDisplayName: string | undefined;
  /**
   * The SMTP envelope recipients, lower-cased, as SES recorded them in its `Received` field. To and Cc
   * are the sender's words and never route a message.
   */
  recipients: string[];
  /** Decoded, with CR/LF and control characters removed, length capped. */
  subject: string;
  date: string | undefined;
  /** Plain text body (from the HTML part, scripts and styles dropped, when there is no text part). */
  text: string;
  /** The new text of a reply: quoted history and signature removed. */
  instruction: string;
  attachments: InboundAttachment[];
  verdicts: SesVerdicts;
  /** The domains SES's passing checks vouch for (from the topmost block only). */
  passing: PassingIdentities;
  autoReply: AutoReplyKind | undefined;
  /** Total raw size in bytes. */
  size: number;
  /** Problems noticed while parsing that did not stop it (broken boundary, bad base64 and such). */
  warnings: string[];
}

export interface InboundAttachment {
  /** Sanitised: no path parts, no control or bidi characters; a safe fallback when nothing is left. */
  filename: string;
  /** The name as the sender wrote it, for the record only; never used as a path. */
  originalFilename: string | undefined;
  contentType: string;
  size: number;
  sha256: string;
  content: Uint8Array;
}

export type Verdict = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'NONE' | 'MISSING';

/** SES's verdicts, read only from the topmost headers that SES prepends. */
export interface SesVerdicts {
  spam: Verdict;
  virus: Verdict;
  spf: Verdict;
  dkim: Verdict;
  dmarc: Verdict;
}

/** The domains each passing SES check vouches for; undefined or empty when the check did not pass. */
export interface PassingIdentities {
  /** The envelope (MAIL FROM) domain when SPF passed. */
  spf: string | undefined;
  /** The signing domains (`d=`) of the DKIM signatures that passed. */
  dkim: string[];
  /** The header From domain DMARC evaluated, when DMARC passed. */
  dmarc: string | undefined;
}

/** Why a message counts as machine-sent. `delivery-report`, `mailer-daemon` and `null-sender` are bounces. */
export type AutoReplyKind =
  'auto-submitted' | 'precedence' | 'x-autoreply' | 'delivery-report' | 'mailer-daemon' | 'null-sender';
