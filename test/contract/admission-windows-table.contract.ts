import { describe, expect, it } from 'vitest';
import type { AdmissionWindowItem, CountedWindow } from '#contracts/admission-windows-table.ts';
import type { AdmissionWindows } from '#workflow/ports.ts';

/** The admission windows and a way to read an item as it is stored. */
export interface AdmissionWindowsTableUnderTest {
  windows: AdmissionWindows;
  read(key: string): Promise<AdmissionWindowItem | undefined>;
}

let counter = 0;
const freshWindow = (limit: number): CountedWindow => ({
  key: `contract-${process.pid}-${++counter}#project#2026-03-01T10:00:00.000Z`,
  limit,
  expiresAt: 1_772_359_200,
});

export function describeAdmissionWindowsTableContract(
  name: string,
  table: () => AdmissionWindowsTableUnderTest,
): void {
  describe(`admission-windows table contract: ${name}`, () => {
    it('admits up to the limit, counting each job once, and stores the set and its expiry', async () => {
      const { windows, read } = table();
      const window = freshWindow(2);
      expect(await windows.take(window, 'job-a')).toBe(true);
      expect(await windows.take(window, 'job-a')).toBe(true);
      expect(await windows.take(window, 'job-b')).toBe(true);
      expect(await windows.take(window, 'job-c')).toBe(false);
      expect(await windows.take(window, 'job-b')).toBe(true);
      expect(await read(window.key)).toEqual({
        pk: window.key,
        admitted: new Set(['job-a', 'job-b']),
        ttl: window.expiresAt,
      });
    });

    it('makes room again when a job is given back', async () => {
      const { windows, read } = table();
      const window = freshWindow(1);
      await windows.take(window, 'job-a');
      expect(await windows.take(window, 'job-b')).toBe(false);
      await windows.giveBack(window, 'job-a');
      expect(await windows.take(window, 'job-b')).toBe(true);
      expect((await read(window.key))?.admitted).toEqual(new Set(['job-b']));
    });

    it('lets only the first refused job (and it again) claim the reply of a window', async () => {
      const { windows, read } = table();
      const window = freshWindow(1);
      expect(await windows.claimReply(window, 'job-b')).toBe(true);
      expect(await windows.claimReply(window, 'job-c')).toBe(false);
      expect(await windows.claimReply(window, 'job-b')).toBe(true);
      expect(await read(window.key)).toMatchObject({ repliedFor: 'job-b', ttl: window.expiresAt });
    });
  });
}
