/**
 * Streaming every invitation: ours (`Invitations.stream`, pages of 100, over `UndiciHttpClient`
 * and over `NodeHttpClient.layerUndici`) against paging loops of raw `undici.request` and of `@clerk/backend`, through 10,000 and
 * 100,000 invitations held by the emulator (`ClerkEmulator.layerServer`, seeded with `seed`),
 * which answers every page from its store as Clerk would. Each run is its own process
 * (`--expose-gc`) with its own emulator in a further process, so the peak memory growth (heap and
 * RSS, sampled at every page, over a baseline taken after a full GC) belongs to that client and
 * that size alone, not to the server. Run as a child of `main`: with `{ client, total }` it
 * measures one run; with `{ emulator: total }` it is that run's emulator; the orchestration
 * (`measureAll`) runs in `main`.
 */
import { createClerkClient } from "@clerk/backend"
import * as Invitations from "@effect-clerk/invitations/Invitations"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import * as Undici from "undici"
import { type FixedServer, firstMessage, forkChild, isMain } from "./children.js"
import * as Clients from "./clients.js"
import { secretKey } from "./fixtures.js"
import { runChild, serve, settings } from "./ipc.js"

/** The clients compared. */
export type StreamClient = "undici.request" | "@clerk/backend" | "ours/UndiciHttpClient (stream)" | "ours/layerUndici (stream)"

/** One run's settings. */
export interface RunSettings {
  readonly client: StreamClient
  readonly total: number
  readonly pageSize: number
}

/** One run's figures. */
export interface StreamFigure extends RunSettings {
  readonly count: number
  readonly seconds: number
  readonly perSecond: number
  readonly peakHeapGrowthMb: number
  readonly peakRssGrowthMb: number
  /** Heap growth that a full GC after the run does not reclaim: what the client kept. */
  readonly retainedMb: number
}

/** The settings of an emulator child: serve `emulator` seeded invitations. */
interface EmulatorSettings {
  readonly emulator: number
}

const isEmulatorSettings = (u: unknown): u is EmulatorSettings =>
  typeof u === "object" && u !== null && "emulator" in u && typeof u.emulator === "number"

const isPort = (u: unknown): u is { readonly port: number } =>
  typeof u === "object" && u !== null && "port" in u && typeof u.port === "number"

const emulatorLifetimeMs = 15 * 60_000

/**
 * The emulator child: serves `ClerkEmulator.layerServer` on 127.0.0.1 (a free port, Clerk's quotas
 * off, the bench's secret key), seeds `total` invitations, sends `{ port }` over IPC, and exits
 * when the parent disconnects or after `emulatorLifetimeMs` whatever happens. The emulator is
 * imported here only, so the measuring process never holds its store.
 */
const serveEmulator = async (total: number): Promise<void> => {
  process.on("disconnect", () => process.exit(0))
  setTimeout(() => process.exit(0), emulatorLifetimeMs).unref()
  const ClerkEmulator = await import("@effect-clerk/emulator/ClerkEmulator")
  const program = Effect.gen(function*() {
    const emulator = yield* ClerkEmulator.ClerkEmulator
    yield* emulator.seed({ count: total })
    const url = new URL(yield* ClerkEmulator.serverUrl)
    process.send?.({ port: Number(url.port) })
    return yield* Effect.never
  })
  await Effect.runPromise(program.pipe(
    Effect.provide(ClerkEmulator.layerServer({ secretKeys: [secretKey], rateLimits: false }))
  ))
}

/** Starts an emulator seeded with `total` invitations in its own process; answers once it is ready. */
const startEmulator = async (total: number): Promise<FixedServer> => {
  const child = forkChild("stream", [JSON.stringify({ emulator: total } satisfies EmulatorSettings)])
  const stop = () => {
    if (child.connected) child.disconnect()
    child.kill()
  }
  process.once("exit", stop)
  try {
    const { port } = await firstMessage(child, 2 * 60_000, isPort)
    return { url: `http://127.0.0.1:${port}`, stop }
  } catch (error) {
    stop()
    throw error
  }
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10

const collect = (): void => {
  const gc: unknown = Reflect.get(globalThis, "gc")
  if (typeof gc === "function") {
    gc()
    gc()
  }
}

/** Streams through the whole set once with `client`, sampling memory at every page. */
export const measureOne = async ({ client, total, pageSize }: RunSettings): Promise<StreamFigure> => {
  const server = await startEmulator(total)
  const peak = { heap: 0, rss: 0 }
  const sample = () => {
    const m = process.memoryUsage()
    if (m.heapUsed > peak.heap) peak.heap = m.heapUsed
    if (m.rss > peak.rss) peak.rss = m.rss
  }
  let count = 0
  let run: () => Promise<void>
  let close: () => Promise<void> = async () => {}
  if (client === "ours/UndiciHttpClient (stream)" || client === "ours/layerUndici (stream)") {
    const transport = client === "ours/UndiciHttpClient (stream)" ? "UndiciHttpClient" : "layerUndici"
    const runtime = ManagedRuntime.make(Clients.layer(server.url, Clients.transportLayer(transport), Clients.clerkOptions(transport)))
    await runtime.runPromise(Effect.flatMap(Invitations.Invitations, (i) => i.list({ limit: 1 })))
    run = () =>
      runtime.runPromise(Effect.flatMap(Invitations.Invitations, (invitations) =>
        invitations.stream({ pageSize }).pipe(Stream.runForEachChunk((chunk) =>
          Effect.sync(() => {
            count += chunk.length
            sample()
          })
        ))))
    close = () => runtime.dispose()
  } else if (client === "@clerk/backend") {
    const clerk = createClerkClient({ secretKey, apiUrl: server.url })
    await clerk.invitations.getInvitationList({ limit: 1 })
    run = async () => {
      for (let offset = 0;; offset += pageSize) {
        const page = await clerk.invitations.getInvitationList({ limit: pageSize, offset })
        count += page.data.length
        sample()
        if (page.data.length < pageSize || offset + pageSize >= page.totalCount) break
      }
    }
  } else {
    const dispatcher = new Undici.Agent()
    const headers = { authorization: `Bearer ${secretKey}`, "clerk-api-version": "2026-05-12" }
    run = async () => {
      for (let offset = 0;; offset += pageSize) {
        const response = await Undici.request(`${server.url}/v1/invitations?paginated=true&limit=${pageSize}&offset=${offset}`, { headers, dispatcher })
        const page = await response.body.json()
        const data = typeof page === "object" && page !== null && "data" in page && Array.isArray(page.data) ? page.data : []
        const totalCount = typeof page === "object" && page !== null && "total_count" in page ? Number(page.total_count) : 0
        count += data.length
        sample()
        if (data.length < pageSize || offset + pageSize >= totalCount) break
      }
    }
    close = () => dispatcher.close()
  }
  collect()
  const base = process.memoryUsage()
  peak.heap = base.heapUsed
  peak.rss = base.rss
  const started = performance.now()
  try {
    await run()
  } finally {
    server.stop()
  }
  const seconds = (performance.now() - started) / 1000
  collect()
  const retained = process.memoryUsage().heapUsed - base.heapUsed
  await close()
  if (count !== total) throw new Error(`${client} streamed ${count} invitations, expected ${total}`)
  return {
    client,
    total,
    pageSize,
    count,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(count / seconds),
    peakHeapGrowthMb: mb(peak.heap - base.heapUsed),
    peakRssGrowthMb: mb(peak.rss - base.rss),
    retainedMb: mb(retained)
  }
}

/** Every client at every size, each run in a fresh process. */
export const measureAll = async (totals: ReadonlyArray<number>): Promise<ReadonlyArray<StreamFigure>> => {
  const figures: Array<StreamFigure> = []
  const clients: ReadonlyArray<StreamClient> = [
    "undici.request",
    "@clerk/backend",
    "ours/UndiciHttpClient (stream)",
    "ours/layerUndici (stream)"
  ]
  for (const total of totals) {
    for (const client of clients) {
      const figure = await runChild<StreamFigure>("stream", { client, total, pageSize: 100 }, 5 * 60_000, ["--expose-gc"])
      console.error(`[stream] ${client} ${total}: ${figure.seconds} s, peak heap +${figure.peakHeapGrowthMb} MB, RSS +${figure.peakRssGrowthMb} MB`)
      figures.push(figure)
    }
  }
  return figures
}

if (isMain(import.meta.url)) {
  const given = settings<RunSettings | EmulatorSettings>()
  if (isEmulatorSettings(given)) {
    serveEmulator(given.emulator).catch((error: unknown) => {
      console.error("[stream] emulator:", error)
      process.exit(1)
    })
  } else {
    serve(() => measureOne(given))
  }
}
