/**
 * Clerk's clock as this host sees it, learnt from the `Date` header of every answer (errors
 * included), so that reconciliation compares Clerk's timestamps with Clerk's time rather than
 * with the local clock.
 *
 * An answer's `Date` names the second (truncated) in which Clerk answered, after the request left
 * at local time `sentAt`: so `date - sentAt` is at most the true offset (server minus local) plus
 * the request's latency, and more than the true offset minus one second. The latest observation
 * is kept. Until one is seen the local clock stands in, conservatively: no tolerance, so only what
 * is stamped at or after the departure by the local clock counts.
 *
 * @internal
 */

/**
 * How far before the first attempt's departure, by the server's clock as read from `Date`, an
 * invitation may be stamped and still be the call's own: the `Date` header's one-second
 * resolution. An invitation stamped 2 s or more before the call started (server clock) is never
 * taken: with `offset = date - sentAt`, the bound `departure + offset - tolerance` lies above
 * `serverDeparture - 2 s` whatever the sub-second phase; one stamped after the departure is
 * taken as long as the observing request reached Clerk within a second.
 *
 * @internal
 */
export const toleranceMillis = 1_000

/** Clerk's clock relative to the local one, per `ClerkClient` layer. @internal */
export class ServerClock {
  private lastDate: string | undefined = undefined
  private lastDateMillis = 0
  private offset: number | undefined = undefined

  /** Records an answer's `Date` header, for a request that left at local time `sentAt`. */
  observe(date: string | undefined, sentAt: number): void {
    if (date === undefined) return
    if (date !== this.lastDate) {
      const millis = Date.parse(date)
      if (!Number.isFinite(millis)) return
      this.lastDate = date
      this.lastDateMillis = millis
    }
    this.offset = this.lastDateMillis - sentAt
  }

  /**
   * The server instant, in epoch ms, after which (strictly) a server-stamped event may have been
   * caused by a request that left at local time `departedAt`.
   */
  threshold(departedAt: number): number {
    return this.offset === undefined ? departedAt - 1 : departedAt + this.offset - toleranceMillis
  }
}
