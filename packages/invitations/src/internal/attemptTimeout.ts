/**
 * A per-request timeout that a transport enforces itself, without a forked fiber.
 *
 * `ClerkClient` times each attempt. Over any `HttpClient` it does so with a forked fiber and a
 * timer (`internal/fast.ts`), which is about a third of what a call costs beyond the transport.
 * A transport that arms the timer in the request's own promise needs no fork: `UndiciHttpClient`
 * says so by carrying `supportsAttemptTimeout`, reads `currentAttemptTimeout` when it sends, and
 * fails a request that runs out of time with a `RequestError` whose `cause` is `AttemptTimedOut`,
 * after aborting it. A client wrapped by any middleware is a new object without the mark, and is
 * timed the forked way again. Nothing here imports `undici`.
 *
 * @internal
 */
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"

/** The mark a transport carries when it honours `currentAttemptTimeout`. @internal */
export const supportsAttemptTimeout: unique symbol = Symbol.for("@effect-clerk/invitations/supportsAttemptTimeout")

/** Whether `client` enforces `currentAttemptTimeout` itself. @internal */
export const enforcesAttemptTimeout = (client: object): boolean =>
  Object.prototype.hasOwnProperty.call(client, supportsAttemptTimeout)

/**
 * Milliseconds a request made in this region may take, from its start to the last byte of its
 * body; `undefined`, the default, for no limit. @internal
 */
export const currentAttemptTimeout: FiberRef.FiberRef<number | undefined> = globalValue(
  "@effect-clerk/invitations/currentAttemptTimeout",
  () => FiberRef.unsafeMake<number | undefined>(undefined)
)

/** The abort reason, and the `RequestError` cause, of a request that ran out of time. @internal */
export class AttemptTimedOut extends Error {
  constructor(readonly millis: number) {
    super(`the request took longer than ${millis} ms`)
    this.name = "AttemptTimedOut"
  }
}
