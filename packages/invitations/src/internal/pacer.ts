/**
 * The importer's pacer: hands out call slots per endpoint, one call in flight per endpoint, each
 * endpoint within its sliding-window quota and any block a 429 asked for.
 *
 * @internal
 */
import { SlidingWindow } from "./slidingWindow.js"

/** The two endpoints that create invitations. @internal */
export type Endpoint = "create" | "bulk"

/** Slots per endpoint: quota, block and whether a call is in flight. @internal */
export class Pacer {
  private readonly windows: Record<Endpoint, SlidingWindow>
  private readonly inFlight: Record<Endpoint, boolean> = { create: false, bulk: false }

  constructor(limits: Readonly<Record<Endpoint, number>>, windowMillis: number) {
    this.windows = {
      create: new SlidingWindow(limits.create, windowMillis),
      bulk: new SlidingWindow(limits.bulk, windowMillis)
    }
  }

  /** Whether the endpoint is used at all (a quota of 0 turns it off). */
  enabled(endpoint: Endpoint): boolean {
    return this.windows[endpoint].limit > 0
  }

  /** Whether a call to the endpoint may start at `now`. */
  free(endpoint: Endpoint, now: number): boolean {
    return this.enabled(endpoint) && !this.inFlight[endpoint] && this.windows[endpoint].freeAt(now) <= now
  }

  /** Takes the endpoint's slot at `now`: counted in its window, in flight until `finish`. */
  take(endpoint: Endpoint, now: number): void {
    this.inFlight[endpoint] = true
    this.windows[endpoint].use(now)
  }

  /** The endpoint's call is over. */
  finish(endpoint: Endpoint): void {
    this.inFlight[endpoint] = false
  }

  /** Whether a call is in flight on any endpoint. */
  get busy(): boolean {
    return this.inFlight.create || this.inFlight.bulk
  }

  /** Whether a call is in flight on this endpoint. */
  busyOn(endpoint: Endpoint): boolean {
    return this.inFlight[endpoint]
  }

  /** No call to the endpoint before `until` (epoch ms): a 429's `Retry-After`. */
  block(endpoint: Endpoint, until: number): void {
    this.windows[endpoint].block(until)
  }

  /** The earliest instant after `now` when one of `wanted` (idle endpoints with work) frees, if any. */
  nextFree(now: number, wanted: ReadonlyArray<Endpoint>): number | undefined {
    const at = wanted
      .filter((endpoint) => this.enabled(endpoint) && !this.inFlight[endpoint])
      .map((endpoint) => this.windows[endpoint].freeAt(now))
      .filter((t) => t > now)
    return at.length === 0 ? undefined : Math.min(...at)
  }
}
