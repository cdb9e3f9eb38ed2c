/**
 * The log of received requests: a ring buffer that keeps the most recent `capacity` requests, so
 * the emulator's memory does not grow with its traffic. Recording is O(1); reading copies the
 * kept requests out in arrival order.
 *
 * Unless told to keep it, the log never holds an `Authorization` value: it keeps the scheme, the
 * key's `sk_<env>_` prefix and a short keyed hash (`Bearer sk_test_…(redacted 1a2b3c4d)`), enough
 * to tell keys apart within one emulator, never enough to recover or test a key outside it (the
 * hash key is drawn per log).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { createHmac, randomBytes } from "node:crypto"
import type * as Model from "./model.js"

/** The requests an emulator keeps. */
export interface RequestLog {
  /** Keeps `request`, forgetting the oldest kept one when the log is full. */
  readonly record: (request: Model.ReceivedRequest) => Effect.Effect<void>
  /** The kept requests, oldest first. */
  readonly all: Effect.Effect<ReadonlyArray<Model.ReceivedRequest>>
  readonly reset: Effect.Effect<void>
}

/** How many requests are kept when the options do not say. */
export const defaultCapacity = 1_000

/** A usable capacity: a non-negative whole number (`Infinity` keeps everything); anything else is 0. */
export const capacityOf = (size: number | undefined): number => {
  const value = size ?? defaultCapacity
  return value >= 0 ? Math.floor(value) : 0
}

/** Replaces an `Authorization` value by its scheme, the key's `sk_<env>_` prefix and a keyed hash. */
export const redactAuthorization = (hashKey: Uint8Array) => (value: string): string => {
  const parts = /^(\S+)\s+(\S+)$/.exec(value.trim())
  const scheme = parts?.[1]
  const token = parts?.[2] ?? value
  const prefix = /^sk_[a-z]+_/i.exec(token)?.[0] ?? ""
  const hash = createHmac("sha256", hashKey).update(token).digest("hex").slice(0, 8)
  return `${scheme === undefined ? "" : `${scheme} `}${prefix}…(redacted ${hash})`
}

/**
 * Builds an empty log that keeps at most `capacity` requests (see `capacityOf`), with the
 * `Authorization` header redacted unless `logAuthorization` is true.
 */
export const make = (capacity: number, options: { readonly logAuthorization: boolean }): Effect.Effect<RequestLog> =>
  Effect.sync(() => {
    const redact = redactAuthorization(randomBytes(32))
    const stored = (request: Model.ReceivedRequest): Model.ReceivedRequest => {
      const authorization = request.headers["authorization"]
      return options.logAuthorization || authorization === undefined
        ? request
        : { ...request, headers: { ...request.headers, authorization: redact(authorization) } }
    }
    let kept: Array<Model.ReceivedRequest> = []
    // when full, the index of the oldest kept request (the next one overwritten)
    let oldest = 0
    return {
      record: (received) =>
        Effect.sync(() => {
          if (capacity === 0) return
          const request = stored(received)
          if (kept.length < capacity) {
            kept.push(request)
          } else if (capacity > 0) {
            kept[oldest] = request
            oldest = (oldest + 1) % capacity
          }
        }),
      all: Effect.sync(() => oldest === 0 ? kept.slice() : [...kept.slice(oldest), ...kept.slice(0, oldest)]),
      reset: Effect.sync(() => {
        kept = []
        oldest = 0
      })
    }
  })
