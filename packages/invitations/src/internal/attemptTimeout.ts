/**
 * A per-request time limit that a transport enforces itself, without a forked fiber.
 *
 * `ClerkClient` times each attempt. Over any `HttpClient` it does so with a forked fiber and a
 * timer (`internal/fast.ts`), which is about a third of what a call costs beyond the transport.
 * A transport that arms the timer in the request's own promise needs no fork: `UndiciHttpClient`
 * says so by carrying `supportsAttemptTimeout`. `ClerkClient` then hands that client, itself and
 * not through any wrapper, a request registered with `limitAttempt`; the transport reads the
 * limit with `attemptLimitOf`, sends such a request untraced (as `ClerkClient` has every request
 * sent: no `http.client` span), and fails one that runs out of time with a `RequestError` whose
 * `cause` is `AttemptTimedOut`, after aborting it.
 *
 * The limit is keyed by the request object, as the platform keys its scoped requests: nothing is
 * set around the call, and a request that any middleware rewrote is a new object without one. A
 * client wrapped by a middleware is a new object without the mark, and `ClerkClient` times it the
 * forked way. Nothing here imports `undici`.
 *
 * @internal
 */
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { globalValue } from "effect/GlobalValue"

/** The mark a transport carries when it honours `attemptLimitOf`. @internal */
export const supportsAttemptTimeout: unique symbol = Symbol.for("@effect-clerk/invitations/supportsAttemptTimeout")

/** Whether `client` enforces the limits of `limitAttempt` itself. @internal */
export const enforcesAttemptTimeout = (client: object): boolean =>
  Object.prototype.hasOwnProperty.call(client, supportsAttemptTimeout)

const limits = globalValue(
  "@effect-clerk/invitations/attemptLimits",
  () => new WeakMap<HttpClientRequest.HttpClientRequest, number>()
)

/**
 * Registers `request` to be sent untraced and to fail after `millis` (from its start to the last
 * byte of its body), on a transport that `enforcesAttemptTimeout`. A later call replaces the
 * limit (the next attempt of the same request). @internal
 */
export const limitAttempt = (request: HttpClientRequest.HttpClientRequest, millis: number): void => {
  limits.set(request, millis)
}

/** The limit `request` was registered with, if any. @internal */
export const attemptLimitOf = (request: HttpClientRequest.HttpClientRequest): number | undefined =>
  limits.get(request)

/** The abort reason, and the `RequestError` cause, of a request that ran out of time. @internal */
export class AttemptTimedOut extends Error {
  constructor(readonly millis: number) {
    super(`the request took longer than ${millis} ms`)
    this.name = "AttemptTimedOut"
  }
}
