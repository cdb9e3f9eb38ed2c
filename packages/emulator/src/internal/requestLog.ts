/**
 * The log of received requests: a ring buffer that keeps the most recent `capacity` requests, so
 * the emulator's memory does not grow with its traffic. Recording is O(1); reading copies the
 * kept requests out in arrival order.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
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

/** Builds an empty log that keeps at most `capacity` requests (see `capacityOf`). */
export const make = (capacity: number): Effect.Effect<RequestLog> =>
  Effect.sync(() => {
    let kept: Array<Model.ReceivedRequest> = []
    // when full, the index of the oldest kept request (the next one overwritten)
    let oldest = 0
    return {
      record: (request) =>
        Effect.sync(() => {
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
