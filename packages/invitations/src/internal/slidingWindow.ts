/**
 * A sliding-window counter of calls, as Clerk counts its invitation quotas: at most `limit` uses in
 * any `windowMillis`, plus a block until a given instant (a 429's `Retry-After`).
 *
 * @internal
 */
export class SlidingWindow {
  private readonly uses: Array<number> = []
  private blockedUntil = 0

  constructor(readonly limit: number, readonly windowMillis: number) {}

  /** Records a use at `now`. */
  use(now: number): void {
    this.uses.push(now)
  }

  /** Blocks the endpoint until `until` (epoch ms). */
  block(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until)
  }

  /** The earliest instant at or after `now` when a use is allowed. */
  freeAt(now: number): number {
    while (this.uses.length > 0 && (this.uses[0] ?? 0) <= now - this.windowMillis) this.uses.shift()
    const byCount = this.uses.length < this.limit ? now : (this.uses[this.uses.length - this.limit] ?? now) + this.windowMillis
    return Math.max(now, byCount, this.blockedUntil)
  }
}
