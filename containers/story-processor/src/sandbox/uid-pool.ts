/**
 * Unprivileged uids lent to one command at a time, so that a command's leftovers can be killed by uid
 * (`kill -1` as that uid) without touching another job's command, and no two commands share files.
 */
export class UidPool {
  private readonly free: number[];
  private readonly waiting: Array<(uid: number) => void> = [];

  constructor(firstUid: number, size: number) {
    this.free = Array.from({ length: size }, (_, i) => firstUid + i);
  }

  acquire(): Promise<number> {
    const uid = this.free.shift();
    if (uid !== undefined) return Promise.resolve(uid);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(uid: number): void {
    const next = this.waiting.shift();
    if (next) next(uid);
    else this.free.push(uid);
  }
}
