/**
 * How an import is asked to stop: the first Ctrl-C (SIGINT, or SIGTERM) stops it gracefully, the
 * second exits at once with 130. Tests provide `Stop` with their own `Deferred` instead.
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** A stop request the import listens to, in place of process signals. */
export class Stop extends Context.Tag("@effect-clerk/cli/import/Stop")<Stop, Deferred.Deferred<void>>() {}

/**
 * The stop request of this run: `Stop` when provided, else one completed by the first SIGINT or
 * SIGTERM (for the scope's lifetime); a second signal ends the process with 130.
 */
export const request: Effect.Effect<Deferred.Deferred<void>, never, Scope.Scope> = Effect.gen(function*() {
  const provided = yield* Effect.serviceOption(Stop)
  if (provided._tag === "Some") return provided.value
  const stop = yield* Deferred.make<void>()
  let signals = 0
  const onSignal = () => {
    signals++
    if (signals > 1) {
      process.stderr.write("\nStopped at once; run the same command to resume (no one is invited twice).\n")
      process.exit(130)
    }
    process.stderr.write("\nStopping: no new calls; waiting for the calls in flight (Ctrl-C again to quit at once)...\n")
    Effect.runSync(Deferred.succeed(stop, undefined))
  }
  yield* Effect.acquireRelease(
    Effect.sync(() => {
      process.on("SIGINT", onSignal)
      process.on("SIGTERM", onSignal)
    }),
    () =>
      Effect.sync(() => {
        process.off("SIGINT", onSignal)
        process.off("SIGTERM", onSignal)
      })
  )
  return stop
})
