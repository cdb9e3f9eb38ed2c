/**
 * Faults the emulator can inject into its answers, to exercise retries, timeouts and
 * exactly-once logic in clients: an error status, a connection dropped before or after the
 * operation ran, a delay on the `Clock`, or a truncated JSON body.
 *
 * Queue them with `ClerkEmulator.injectFaults(route, fault, times)` or draw them at random with
 * `ClerkEmulator.injectChaos({ rate, faults })`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Model from "./internal/model.js"

/**
 * The emulated operations a fault can target; `"*"` targets all four.
 *
 * @since 0.1.0
 * @category models
 */
export type Route = typeof Model.FaultRoute.Type

/**
 * One injected misbehaviour.
 *
 * - `Status`: answer `status` with Clerk's error shape WITHOUT performing the operation;
 *   `code` defaults to `too_many_requests` for 429 and `internal_clerk_error` otherwise;
 *   `retryAfter` (seconds or an HTTP date) becomes a `Retry-After` header; `body`, when set,
 *   replaces the whole JSON body.
 * - `ResetBefore`: the connection is dropped before the operation runs (in process: the
 *   `HttpClient` call fails with a transport `RequestError`; over HTTP: the socket is destroyed).
 * - `ResetAfter`: the operation runs, then the connection is dropped: the caller never sees
 *   the response.
 * - `Delay`: sleep `duration` on the `Clock`, then answer normally.
 * - `Malformed`: the operation runs, then a 200 arrives with a truncated JSON body.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = Data.TaggedEnum<{
  Status: {
    readonly status: number
    readonly code?: string | undefined
    readonly retryAfter?: number | string | undefined
    readonly body?: unknown
  }
  ResetBefore: {}
  ResetAfter: {}
  Delay: { readonly duration: Duration.DurationInput }
  Malformed: {}
}>

const constructors = Data.taggedEnum<Fault>()

/**
 * Answers an error status without performing the operation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Status = constructors.Status

/**
 * Drops the connection before the operation runs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ResetBefore = constructors.ResetBefore

/**
 * Performs the operation, then drops the connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ResetAfter = constructors.ResetAfter

/**
 * Sleeps on the `Clock` before answering normally.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Delay = constructors.Delay

/**
 * Performs the operation, then answers 200 with a truncated JSON body.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Malformed = constructors.Malformed

/**
 * Pattern matching over the fault cases.
 *
 * @since 0.1.0
 * @category pattern matching
 */
export const match = constructors.$match

/**
 * Probabilistic faults: each request to `routes` (default all) gets one of `faults`, drawn
 * uniformly, with probability `rate`. With `seed` the draws come from `Random.make(seed)` and
 * repeat run to run; without it they come from the fiber's `Random` service.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChaosOptions {
  readonly rate: number
  readonly faults: ReadonlyArray<Fault>
  readonly seed?: unknown
  readonly routes?: ReadonlyArray<Route> | undefined
}
