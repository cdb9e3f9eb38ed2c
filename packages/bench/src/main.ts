/**
 * `npm run bench [-- [--quick] [throughput] [cpu] [stream] [bundle]]`: runs every measurement in
 * its own child process, then writes `bench-results/bench.json` and `bench-results/bench.md` at
 * the repository root and prints the markdown. The fixed server and the emulator run in child
 * processes on 127.0.0.1; every loop is bounded and every child stops by itself.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import { fileURLToPath } from "node:url"
import { buildChildren } from "./build.js"
import * as Bundle from "./bundle.js"
import type * as Cpu from "./cpu.js"
import { runChild } from "./ipc.js"
import * as Report from "./report.js"
import type * as RootFiber from "./rootFiber.js"
import * as Stream from "./stream.js"
import type * as Throughput from "./throughput.js"

// `npm run bench -- --quick` at the root forwards `--quick` to `npm run --workspace`, which reads
// it as its own configuration: it arrives here as `npm_config_quick`. Phases are named as plain
// arguments (`npm run bench -- cpu stream`), which npm passes through.
const args = process.argv.slice(2)
const quick = args.includes("--quick") || process.env["npm_config_quick"] === "true"
const known = ["throughput", "cpu", "stream", "bundle"]
const named = args.flatMap((arg) => arg.split(",")).filter((arg) => known.includes(arg))
const phases = named.length === 0 ? undefined : new Set(named)
const wanted = (phase: string) => phases === undefined || phases.has(phase)

const throughputSettings: Throughput.Settings = quick
  ? { rounds: 2, burstMs: 60, warmupMs: 80, concurrencies: [1, 32], operations: ["create", "list", "revoke"] }
  : { rounds: 6, burstMs: 300, warmupMs: 1200, concurrencies: [1, 32], operations: ["create", "list", "revoke"] }
const cpuSettings: Cpu.Settings = quick ? { calls: 150, rounds: 2, decodeRuns: 30 } : { calls: 1500, rounds: 5, decodeRuns: 200 }
const streamTotals = quick ? [5_000, 15_000] : [10_000, 100_000]
const coldStarts = quick ? 2 : 15

const machine = (): Report.Machine => ({
  cpu: Os.cpus()[0]?.model ?? "unknown",
  cores: Os.availableParallelism(),
  memoryGb: Math.round(Os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${Os.platform()} ${Os.release()}`,
  loadAverage: Os.loadavg().map((l) => Math.round(l * 100) / 100)
})

const started = Date.now()
const lap = (phase: string) => console.error(`[bench] ${phase} done at ${Math.round((Date.now() - started) / 1000)} s`)
const results: Report.Results = {
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  command: `${process.env["BENCH_INVITATIONS_SRC"] ? `BENCH_INVITATIONS_SRC=${process.env["BENCH_INVITATIONS_SRC"]} ` : ""}npm run bench${
    quick || phases !== undefined ? ` --${quick ? " --quick" : ""}${phases === undefined ? "" : ` ${[...phases].join(" ")}`}` : ""
  }`,
  machine: machine()
}
await buildChildren()
if (wanted("throughput")) {
  console.error("[bench] throughput and latency over loopback …")
  results.throughput = await runChild<ReadonlyArray<Throughput.Figure>>("throughput", throughputSettings, 8 * 60_000)
  lap("throughput")
}
if (wanted("cpu")) {
  console.error("[bench] CPU per call over a stubbed transport, decoding …")
  const { cpu, decode, rootFiber } = await runChild<{
    cpu: ReadonlyArray<Cpu.CpuFigure>
    decode: Cpu.DecodeFigure
    rootFiber: ReadonlyArray<RootFiber.RootFiberFigure>
  }>("cpu", cpuSettings, 8 * 60_000)
  results.cpu = cpu
  results.decode = decode
  results.rootFiber = rootFiber
  lap("cpu")
}
if (wanted("stream")) {
  console.error(`[bench] streaming ${streamTotals.join(" and ")} invitations …`)
  results.stream = await Stream.measureAll(streamTotals)
  lap("stream")
}
if (wanted("bundle")) {
  console.error("[bench] bundle size and cold start …")
  results.bundle = await Bundle.measure(coldStarts)
}
results.loadAverageAfter = Os.loadavg().map((l) => Math.round(l * 100) / 100)
results.seconds = Math.round((Date.now() - started) / 1000)

const outDir = fileURLToPath(new URL("../../../bench-results/", import.meta.url))
mkdirSync(outDir, { recursive: true })
const markdown = Report.markdown(results)
writeFileSync(`${outDir}bench.json`, JSON.stringify(results, null, 2) + "\n")
writeFileSync(`${outDir}bench.md`, markdown)
console.log(markdown)
console.error(`[bench] done in ${results.seconds} s: bench-results/bench.json, bench-results/bench.md`)
