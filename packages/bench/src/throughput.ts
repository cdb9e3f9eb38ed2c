/**
 * Throughput and latency against the fixed-response server (a child process of its own): every
 * client runs the same operation at the same concurrency in short bursts, interleaved (A B C …,
 * then … C B A), after a warm-up. Each burst is sized from the client's warm-up speed so that all
 * clients get about the same time. Run as a child of `main`.
 */
import * as Effect from "effect/Effect"
import * as Clients from "./clients.js"
import { isMain, startFixedServer } from "./children.js"
import { serve, settings } from "./ipc.js"
import { percentile, round } from "./stats.js"

/** How long and how often to measure. */
export interface Settings {
  readonly rounds: number
  readonly burstMs: number
  readonly warmupMs: number
  readonly concurrencies: ReadonlyArray<number>
  readonly operations: ReadonlyArray<Clients.Operation>
}

/** One client in one scenario. */
export interface Figure {
  readonly client: string
  readonly operation: Clients.Operation
  readonly concurrency: number
  readonly calls: number
  readonly opsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
}

/** Runs `n` calls at `concurrency`, recording each latency in `latencies`; answers the elapsed ms. */
const burst = async (
  client: Clients.Client,
  operation: Clients.Operation,
  n: number,
  concurrency: number,
  latencies: Array<number>
): Promise<number> => {
  const started = performance.now()
  if (client.kind === "effect") {
    const indices = Array.from({ length: n }, (_, i) => i)
    await client.runtime.runPromise(
      Effect.forEach(indices, (i) =>
        Effect.suspend(() => {
          const t0 = performance.now()
          return Effect.map(client.call(operation, i), () => {
            latencies.push(performance.now() - t0)
          })
        }), { concurrency, discard: true })
    )
  } else {
    let next = 0
    const worker = async () => {
      while (next < n) {
        const i = next++
        const t0 = performance.now()
        await client.call(operation, i)
        latencies.push(performance.now() - t0)
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
  }
  return performance.now() - started
}

/** Runs `client` for about `ms`, in bursts; answers its calls per ms. */
const warmUp = async (client: Clients.Client, operation: Clients.Operation, concurrency: number, ms: number) => {
  let n = concurrency * 4
  let calls = 0
  let elapsed = 0
  while (elapsed < ms) {
    elapsed += await burst(client, operation, n, concurrency, [])
    calls += n
    n = Math.min(n * 2, 20_000)
  }
  return calls / elapsed
}

/** Measures every client in every scenario. */
export const measure = async (options: Settings): Promise<ReadonlyArray<Figure>> => {
  const server = await startFixedServer()
  const clients = Clients.all(server.url)
  const figures: Array<Figure> = []
  try {
    for (const operation of options.operations) {
      for (const concurrency of options.concurrencies) {
        const sizes = new Map<string, number>()
        for (const client of clients) {
          const rate = await warmUp(client, operation, concurrency, options.warmupMs)
          sizes.set(client.name, Math.max(concurrency * 2, Math.round(rate * options.burstMs)))
        }
        const totals = new Map<string, { calls: number; ms: number; latencies: Array<number> }>(
          clients.map((c) => [c.name, { calls: 0, ms: 0, latencies: [] }])
        )
        for (let round = 0; round < options.rounds; round++) {
          const order = round % 2 === 0 ? clients : [...clients].reverse()
          for (const client of order) {
            const total = totals.get(client.name)
            const n = sizes.get(client.name)
            if (total === undefined || n === undefined) continue
            total.ms += await burst(client, operation, n, concurrency, total.latencies)
            total.calls += n
          }
        }
        for (const client of clients) {
          const total = totals.get(client.name)
          if (total === undefined) continue
          figures.push({
            client: client.name,
            operation,
            concurrency,
            calls: total.calls,
            opsPerSec: Math.round((total.calls / total.ms) * 1000),
            p50Ms: round(percentile(total.latencies, 50), 3),
            p99Ms: round(percentile(total.latencies, 99), 3)
          })
        }
        const line = figures.filter((f) => f.operation === operation && f.concurrency === concurrency)
          .map((f) => `${f.client} ${f.opsPerSec}/s`).join(", ")
        console.error(`[throughput] ${operation} c=${concurrency}: ${line}`)
      }
    }
  } finally {
    for (const client of clients) await client.close()
    server.stop()
  }
  return figures
}

if (isMain(import.meta.url)) serve(() => measure(settings<Settings>()))
