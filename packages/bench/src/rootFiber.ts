/**
 * What a root fiber's exit costs, with no HTTP and none of our code: an effect that waits a turn
 * (as a request would) and then succeeds with a parsed 100-item page, driven three ways by 32
 * concurrent callers:
 *
 * - `runPromise` per call, the page as the fiber's exit value (how a Node handler calls an effect);
 * - `runPromise` per call, the page dropped inside the effect (`Effect.asVoid`);
 * - one Effect loop (`Effect.forEach` with `concurrency`), the page dropped inside.
 *
 * The first is the shape of the "runPromise per call" list rows of the throughput phase; the gap
 * between the first two is the runtime's, not a client's. Measured in the `cpu` child.
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Layer from "effect/Layer"
import { listPageSize, page } from "./fixtures.js"
import { median, round } from "./stats.js"

/** How often and how much. */
export interface Settings {
  readonly calls: number
  readonly rounds: number
}

/** Calls per second of each way, medians of the rounds. */
export interface RootFiberFigure {
  readonly way: string
  readonly callsPerSec: number
}

const concurrency = 32

/** Measures the three ways, interleaved. */
export const measure = async (options: Settings): Promise<ReadonlyArray<RootFiberFigure>> => {
  const text = JSON.stringify(page(listPageSize))
  const runtime = ManagedRuntime.make(Layer.empty)
  await runtime.runtime()
  // A turn of the event loop, then a page as fresh as a response's.
  const call: Effect.Effect<unknown> = Effect.async<unknown>((resume) => {
    setImmediate(() => resume(Effect.sync((): unknown => JSON.parse(text))))
  })
  const callers = async (f: () => Promise<unknown>) => {
    let started = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (started < options.calls) {
        started++
        await f()
      }
    }))
  }
  const ways: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    ["runPromise per call, the page as the exit", () => callers(() => runtime.runPromise(call))],
    ["runPromise per call, the page dropped inside (Effect.asVoid)", () => callers(() => runtime.runPromise(Effect.asVoid(call)))],
    [
      "one Effect loop, the page dropped inside",
      () =>
        runtime.runPromise(
          Effect.forEach(Array.from({ length: options.calls }), () => Effect.asVoid(call), { concurrency, discard: true })
        )
    ]
  ]
  const samples = new Map<string, Array<number>>(ways.map(([name]) => [name, []]))
  for (const [, run] of ways) await run() // warm-up
  for (let r = 0; r < options.rounds; r++) {
    for (const [name, run] of r % 2 === 0 ? ways : [...ways].reverse()) {
      const started = performance.now()
      await run()
      samples.get(name)?.push(options.calls / ((performance.now() - started) / 1000))
    }
  }
  await runtime.dispose()
  return ways.map(([way]) => ({ way, callsPerSec: round(median(samples.get(way) ?? []), 0) }))
}
