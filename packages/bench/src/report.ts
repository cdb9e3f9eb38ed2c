/**
 * The results as JSON and as markdown tables, every figure with its ratio to raw
 * `undici.request` (the floor) and to `@clerk/backend`, and the targets checked.
 */
import type * as Bundle from "./bundle.js"
import type * as Cpu from "./cpu.js"
import type * as RootFiber from "./rootFiber.js"
import { round } from "./stats.js"
import type * as Stream from "./stream.js"
import type * as Throughput from "./throughput.js"

/** The machine a run was made on. */
export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGb: number
  readonly node: string
  readonly platform: string
  readonly loadAverage: ReadonlyArray<number>
}

/** Everything one run measured. */
export interface Results {
  readonly date: string
  readonly mode: "quick" | "full"
  readonly command: string
  readonly machine: Machine
  throughput?: ReadonlyArray<Throughput.Figure>
  cpu?: ReadonlyArray<Cpu.CpuFigure>
  decode?: Cpu.DecodeFigure
  rootFiber?: ReadonlyArray<RootFiber.RootFiberFigure>
  stream?: ReadonlyArray<Stream.StreamFigure>
  bundle?: ReadonlyArray<Bundle.BundleFigure>
  loadAverageAfter?: ReadonlyArray<number>
  seconds?: number
}

const raw = "undici.request"
const clerk = "@clerk/backend"
/** Ours over the recommended Node layer with its stubbed transport: the CPU target's figure. */
const oursCpu = "ours/UndiciHttpClient (Effect loop, stub dispatcher)"
/** Ours over the recommended Node layer, driven the way an Effect app does: the targets' figure. */
const oursNative = "ours/UndiciHttpClient (Effect loop)"
/** Ours over the recommended Node layer, one `ManagedRuntime.runPromise` per call, as a Node handler. */
const oursPerCall = "ours/UndiciHttpClient (runPromise per call)"

const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 || !Number.isFinite(a / b) ? "–" : `${round(a / b, 2).toFixed(2)}x`

const kb = (bytes: number) => Math.round(bytes / 1024)

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string =>
  [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`)
  ].join("\n")

/** A target of the issue and whether this run met it. */
export interface Target {
  readonly name: string
  readonly value: string
  readonly met: boolean | undefined
}

/** Checks the targets against `results`. */
export const targets = (results: Results): ReadonlyArray<Target> => {
  const out: Array<Target> = []
  const ops = (client: string, operation: string, c: number) =>
    results.throughput?.find((f) => f.client === client && f.operation === operation && f.concurrency === c)?.opsPerSec
  for (const [client, operation, min] of [[oursNative, "create", 1.8], [oursNative, "revoke", 1.8], [oursNative, "list", 1.3], [oursPerCall, "list", 1.0]] as const) {
    const ours = ops(client, operation, 32)
    const theirs = ops(clerk, operation, 32)
    if (ours === undefined || theirs === undefined) continue
    out.push({ name: `${operation} c=32 throughput, ${client} vs @clerk/backend >= ${min}x`, value: ratio(ours, theirs), met: ours / theirs >= min })
  }
  const cpu = (client: string, operation: string) =>
    results.cpu?.find((f) => f.client === client && f.operation === operation)?.cpuUsPerCall
  for (const operation of ["create", "list", "revoke"]) {
    const ours = cpu(oursCpu, operation)
    const theirs = cpu(clerk, operation)
    if (ours === undefined || theirs === undefined) continue
    out.push({ name: `${operation} CPU per call, ${oursCpu} <= @clerk/backend (stubbed fetch)`, value: `${ours} µs vs ${theirs} µs (${ratio(ours, theirs)})`, met: ours <= theirs })
  }
  if (results.decode !== undefined) {
    out.push({ name: "decoding a 500-item page < 3 ms", value: `${results.decode.oursDecodeMs} ms`, met: results.decode.oursDecodeMs < 3 })
  }
  const streams = (results.stream ?? []).filter((f) => f.client === "ours/UndiciHttpClient (stream)").sort((a, b) => a.total - b.total)
  const small = streams[0]
  const large = streams[streams.length - 1]
  if (small !== undefined && large !== undefined && large.total > small.total) {
    out.push({ name: `stream of ${large.total.toLocaleString("en")}: peak heap growth < 50 MB`, value: `${large.peakHeapGrowthMb} MB (RSS +${large.peakRssGrowthMb} MB; ${large.retainedMb} MB kept after a full GC)`, met: large.peakHeapGrowthMb < 50 })
    out.push({ name: `stream: growth at ${large.total.toLocaleString("en")} <= 1.2x growth at ${small.total.toLocaleString("en")}`, value: `${large.peakHeapGrowthMb} vs ${small.peakHeapGrowthMb} MB (${ratio(large.peakHeapGrowthMb, small.peakHeapGrowthMb)})`, met: large.peakHeapGrowthMb <= 1.2 * small.peakHeapGrowthMb })
  }
  const app = (name: string) => results.bundle?.find((b) => b.app === name)
  const theirs = app(clerk)
  for (const name of ["ours/UndiciHttpClient", "ours/fetch"]) {
    const ours = app(name)
    if (ours === undefined || theirs === undefined) continue
    out.push({ name: `bundled app ${name}: import time <= 2x @clerk/backend`, value: `${ours.importMs} vs ${theirs.importMs} ms (${ratio(ours.importMs, theirs.importMs)})`, met: ours.importMs <= 2 * theirs.importMs })
    out.push({ name: `bundled app ${name}: minified size <= 3x @clerk/backend`, value: `${kb(ours.bytes)} vs ${kb(theirs.bytes)} KB (${ratio(ours.bytes, theirs.bytes)})`, met: ours.bytes <= 3 * theirs.bytes })
  }
  const fetchApp = app("ours/fetch")
  if (fetchApp !== undefined && theirs !== undefined) {
    out.push({ name: "bundled app ours/fetch: cold start, whole process <= 1.5x @clerk/backend", value: `${fetchApp.processMs} vs ${theirs.processMs} ms (${ratio(fetchApp.processMs, theirs.processMs)})`, met: fetchApp.processMs <= 1.5 * theirs.processMs })
  }
  return out
}

/** The markdown report. */
export const markdown = (results: Results): string => {
  const parts: Array<string> = []
  const m = results.machine
  parts.push(`# effect-clerk benchmarks (${results.mode})`)
  parts.push(`\`${results.command}\` on ${results.date}: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}; load average ${m.loadAverage.join(" ")} before, ${(results.loadAverageAfter ?? []).join(" ")} after; ${results.seconds ?? "?"} s.`)
  const t = targets(results)
  if (t.length > 0) {
    parts.push("## Targets")
    parts.push(table(["target", "this run", "met"], t.map((x) => [x.name, x.value, x.met === undefined ? "–" : x.met ? "yes" : "**no**"])))
  }
  if (results.throughput !== undefined) {
    parts.push("## Throughput and latency (loopback, fixed-response server in its own process)")
    parts.push("Ratios are of throughput (higher is better). List pages carry 100 invitations.")
    const rows: Array<Array<string | number>> = []
    const figures = results.throughput
    for (const f of figures) {
      const same = (client: string) => figures.find((g) => g.client === client && g.operation === f.operation && g.concurrency === f.concurrency)
      rows.push([f.operation, f.concurrency, f.client, f.opsPerSec, ratio(f.opsPerSec, same(raw)?.opsPerSec), ratio(f.opsPerSec, same(clerk)?.opsPerSec), f.p50Ms, f.p99Ms])
    }
    parts.push(table(["operation", "concurrency", "client", "calls/s", "x undici.request", "x @clerk/backend", "p50 ms", "p99 ms"], rows))
  }
  if (results.cpu !== undefined) {
    parts.push("## CPU per call without sockets (stubbed transport, sequential)")
    parts.push("Ratios are of CPU time (lower is better). `list500` lists a page of 500. The raw figure of a row is the raw client over the same stub: `undici.request` over the stub dispatcher for the stub-dispatcher rows, `fetch` over the stubbed `fetch` for the others.")
    const figures = results.cpu
    const rows = figures.map((f) => {
      const same = (client: string) => figures.find((g) => g.client === client && g.operation === f.operation)?.cpuUsPerCall
      const rawOf = f.client.includes("stub dispatcher") ? "undici.request (stub dispatcher) + JSON.parse" : "fetch (stub) + JSON.parse"
      return [f.operation, f.client, f.cpuUsPerCall, ratio(f.cpuUsPerCall, same(rawOf)), ratio(f.cpuUsPerCall, same(clerk))]
    })
    parts.push(table(["operation", "client", "CPU µs/call", "x raw over the same stub", "x @clerk/backend"], rows))
  }
  if (results.decode !== undefined) {
    const d = results.decode
    parts.push("## Decoding a 500-item page (median)")
    parts.push(table(["step", "ms", "x JSON.parse"], [
      ["JSON.parse of the body", d.jsonParseMs, "1.00x"],
      ["ours: decode the parsed page", d.oursDecodeMs, ratio(d.oursDecodeMs, d.jsonParseMs)],
      ["ours: JSON.parse + decode", d.oursParseAndDecodeMs, ratio(d.oursParseAndDecodeMs, d.jsonParseMs)]
    ]))
  }
  if (results.rootFiber !== undefined) {
    const figures = results.rootFiber
    const first = figures[0]
    parts.push("## What a root fiber's exit costs (Effect alone: no HTTP, no client)")
    parts.push("An effect that waits a turn, then succeeds with a parsed 100-item page; 32 concurrent callers, medians. Ratios to the first row (higher is better).")
    parts.push(table(["way", "calls/s", "x the first"], figures.map((f) => [f.way, f.callsPerSec, ratio(f.callsPerSec, first?.callsPerSec)])))
  }
  if (results.stream !== undefined) {
    const figures = results.stream
    parts.push("## Streaming every invitation (pages of 100 from a seeded emulator in its own process, one process per run)")
    parts.push("Peak growth over a baseline taken after a full GC, sampled at every page. Ratios are of peak heap growth and of time (lower is better).")
    const rows = figures.map((f) => {
      const same = (client: string) => figures.find((g) => g.client === client && g.total === f.total)
      return [f.total.toLocaleString("en"), f.client, f.seconds, f.perSecond, f.peakHeapGrowthMb, f.peakRssGrowthMb, f.retainedMb,
        ratio(f.peakHeapGrowthMb, same(raw)?.peakHeapGrowthMb), ratio(f.peakHeapGrowthMb, same(clerk)?.peakHeapGrowthMb),
        ratio(f.seconds, same(raw)?.seconds), ratio(f.seconds, same(clerk)?.seconds)]
    })
    parts.push(table(["invitations", "client", "s", "invitations/s", "peak heap +MB", "peak RSS +MB", "kept after GC MB", "heap x undici.request", "heap x @clerk/backend", "time x undici.request", "time x @clerk/backend"], rows))
  }
  if (results.bundle !== undefined) {
    const figures = results.bundle
    const theirs = figures.find((f) => f.app === clerk)
    parts.push("## Bundled app: create, list, revoke (esbuild, minified, tree-shaken, ESM, platform node)")
    parts.push("Cold start in a fresh `node` per run, medians; ratios to `@clerk/backend` (lower is better). The raw clients have no bundle to compare.")
    parts.push(table(["app", "minified KB", "gzip KB", "import ms", "first 3 calls ms", "process ms", "size x @clerk/backend", "import x @clerk/backend"],
      figures.map((f) => [f.app, kb(f.bytes), kb(f.gzipBytes), f.importMs, f.firstCallsMs, f.processMs, ratio(f.bytes, theirs?.bytes), ratio(f.importMs, theirs?.importMs)])))
  }
  return parts.join("\n\n") + "\n"
}
