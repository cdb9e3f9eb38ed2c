/**
 * Exactly-once for requests that must not be performed twice (a create, a revoke).
 *
 * `exactlyOnce` runs a call's attempts under the client's retry policy, and after an ambiguous
 * outcome (the request may or may not have been performed: a dropped connection, a timeout, a
 * `5xx`, an unreadable body) it looks for what the earlier attempts did before sending again: a
 * find is the call's result. It looks once more when retries end after an ambiguous outcome, or
 * when the call ends on an error that an earlier attempt may have caused (its own duplicate, say:
 * `when`). What `find` may take is told by `since`: what Clerk stamped after the first attempt left.
 *
 * @internal
 */
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Service, Since } from "../ClerkClient.js"
import { isRetryableFailure, type RetryableFailure } from "../ClerkClient.js"
import { ClerkRequestError } from "../ClerkError.js"

/** How a call finds what its earlier attempts did. @internal */
export interface Reconcile<A, E, E2> {
  /** Looks for the call's own result; `since` says which of Clerk's timestamps can be its doing. */
  readonly find: (since: Since) => Effect.Effect<Option.Option<A>, E2>
  /** Whether a final error may be the doing of an earlier, ambiguous attempt. */
  readonly when: (error: E | E2 | ClerkRequestError) => boolean
}

// A lookup that could not reach Clerk, as the cause of the call's own error: named, its own cause
// kept (never the request, which carries the secret).
const lookupFailed = (error: ClerkRequestError): Error => {
  const what = error.reason === "Timeout"
    ? "timed out"
    : error.reason === "Transport"
    ? "failed in transport"
    : `failed (${error.reason})`
  const detail = error.cause instanceof Error ? `: ${error.cause.message}` : ""
  return new Error(`the lookup for what it did, ${error.method} ${error.path}, ${what}${detail}`, { cause: error.cause })
}

/**
 * Runs `attempt`, one try of `request`, which must not be performed twice, under `client`'s retry policy,
 * reconciling ambiguous outcomes with `reconcile`. A lookup that cannot reach Clerk fails as the
 * call's own request, the lookup's failure as the cause.
 *
 * @internal
 */
export const exactlyOnce = <A, E, E2, R>(
  client: Service,
  request: HttpClientRequest.HttpClientRequest,
  attempt: Effect.Effect<A, E | RetryableFailure, R>,
  reconcile: Reconcile<A, E, E2>
): Effect.Effect<A, E | E2 | RetryableFailure["error"], R> =>
  Effect.flatMap(Clock.currentTimeMillis, (departedAt) => {
    const since = client.since(departedAt)
    const method = request.method
    const path = request.url.split("?")[0] ?? request.url
    // Whether an attempt so far may have been performed: only then is there anything to find.
    let ambiguous = false
    const find = Effect.mapError(Effect.suspend(() => reconcile.find(since)), (error) =>
      error instanceof ClerkRequestError && (error.method !== method || error.path !== path)
        ? new ClerkRequestError({ reason: error.reason, method, path, cause: lookupFailed(error) })
        : error)
    const orFind = <E3, R3>(otherwise: Effect.Effect<A, E3, R3>): Effect.Effect<A, E2 | E3 | ClerkRequestError, R3> =>
      ambiguous ? Effect.flatMap(find, Option.match({ onNone: () => otherwise, onSome: Effect.succeed })) : otherwise
    // Each attempt after an ambiguous one looks first.
    const lookThenAttempt = Effect.suspend(() => orFind(attempt)).pipe(
      Effect.tapError((error) =>
        Effect.sync(() => {
          if (isRetryableFailure(error) && error.ambiguous) ambiguous = true
        })
      )
    )
    return lookThenAttempt.pipe(
      client.retry(request),
      Effect.catchAll((error): Effect.Effect<A, E | E2 | RetryableFailure["error"]> =>
        isRetryableFailure(error)
          ? orFind(Effect.fail(error.error))
          : ambiguous && reconcile.when(error)
          ? orFind(Effect.fail(error))
          : Effect.fail(error)
      )
    )
  })
