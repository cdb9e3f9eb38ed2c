/**
 * A per-request time limit that a transport enforces itself, without a forked fiber.
 *
 * `ClerkClient` times each attempt. Over any `HttpClient` it does so with a forked fiber and a
 * timer (`internal/fast.ts`), which is about a third of what a call costs beyond the transport.
 * A transport that arms the timer in the request's own promise needs no fork: `UndiciHttpClient`
 * carries a method under `executeWithin`, which sends a request untraced (as `ClerkClient` has
 * every request sent: no `http.client` span) and fails it with a `RequestError` whose `cause` is
 * `AttemptTimedOut`, after aborting it, when it takes longer than the limit.
 *
 * The method is an own property of the client object: a client wrapped by any middleware is a
 * new object without it, and `ClerkClient` times that one the forked way. Nothing here imports
 * `undici`.
 *
 * @internal
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Effect from "effect/Effect"

/** Sends `request` untraced, failing with `AttemptTimedOut` after `millis` (start to last byte). @internal */
export type ExecuteWithin = (
  request: HttpClientRequest.HttpClientRequest,
  millis: number
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

/** The key of a transport's `ExecuteWithin`. @internal */
export const executeWithin: unique symbol = Symbol.for("@effect-clerk/invitations/executeWithin")

/** A transport that enforces attempt limits itself. @internal */
export interface TimedTransport {
  readonly [executeWithin]: ExecuteWithin
}

/** Whether `client` itself (not a client it wraps) carries an `ExecuteWithin`. @internal */
export const isTimedTransport = <C extends object>(client: C): client is C & TimedTransport =>
  Object.prototype.hasOwnProperty.call(client, executeWithin) &&
  executeWithin in client &&
  typeof client[executeWithin] === "function"

/** The abort reason, and the `RequestError` cause, of a request that ran out of time. @internal */
export class AttemptTimedOut extends Error {
  constructor(readonly millis: number) {
    super(`the request took longer than ${millis} ms`)
    this.name = "AttemptTimedOut"
  }
}
