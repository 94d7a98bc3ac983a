/**
 * The admission-windows table, the one place that knows its item: the jobs admitted in one rate-limit
 * window of a sender or a project, counted atomically like the lease. Written by ParseEmail only.
 * pk = `${projectId}#sender#${address}#${windowStartIso}` or `${projectId}#project#${windowStartIso}`.
 */

/** One admission rate-limit window: its item key, how many jobs it admits, when it may be deleted. */
export interface CountedWindow {
  key: string;
  limit: number;
  /** Epoch seconds. */
  expiresAt: number;
}

/**
 * An item of the admission-windows table: the jobs admitted in one window, as a string set, so that
 * counting a job twice (a retried ParseEmail) changes nothing; and the one job whose refusal in this
 * window may be answered.
 */
export interface AdmissionWindowItem {
  pk: string;
  admitted?: Set<string>;
  repliedFor?: string;
  /** Epoch seconds. */
  ttl: number;
}

export const senderWindowKey = (projectId: string, sender: string, windowStartIso: string): string =>
  `${projectId}#sender#${sender}#${windowStartIso}`;

export const projectWindowKey = (projectId: string, windowStartIso: string): string =>
  `${projectId}#project#${windowStartIso}`;

export const admissionWindowKey = (window: Pick<CountedWindow, 'key'>): { pk: string } => ({
  pk: window.key,
});

/**
 * The invariants of the table, each as the predicate the fake evaluates and the condition expression
 * the DynamoDB adapter sends (attribute names `#admitted`, `#repliedFor`; values `:limit`, `:jobId`).
 */
export const ADMISSION_CONDITIONS = {
  /** A job joins the window while it has room, and may join again (it is counted once). */
  hasRoomFor: {
    expression: 'attribute_not_exists(#admitted) OR size(#admitted) < :limit OR contains(#admitted, :jobId)',
    holds: (item: AdmissionWindowItem | undefined, limit: number, jobId: string): boolean =>
      !item?.admitted || item.admitted.size < limit || item.admitted.has(jobId),
  },
  /** Only the first refused job of a window (and it again) is answered. */
  replyUnclaimedOrOurs: {
    expression: 'attribute_not_exists(#repliedFor) OR #repliedFor = :jobId',
    holds: (item: AdmissionWindowItem | undefined, jobId: string): boolean =>
      item?.repliedFor === undefined || item.repliedFor === jobId,
  },
} as const;
