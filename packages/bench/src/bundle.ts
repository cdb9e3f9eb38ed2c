/**
 * The size and cold start of a minimal app (create, list, revoke) bundled by esbuild (minified,
 * tree-shaken, `platform: node`, ESM), once with ours over `UndiciHttpClient` (undici bundled in), once with ours over
 * `FetchHttpClient`, once with `@clerk/backend`. Cold start: a fresh `node` per run imports the
 * bundle (`importMs`) and makes the three calls against the fixed server (`firstCallsMs`); runs
 * are interleaved, medians reported. Runs in `main`.
 */
import * as esbuild from "esbuild"
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { startFixedServer } from "./children.js"
import { secretKey } from "./fixtures.js"
import { median, round } from "./stats.js"

/** One app's figures. */
export interface BundleFigure {
  readonly app: string
  readonly bytes: number
  readonly gzipBytes: number
  readonly importMs: number
  readonly firstCallsMs: number
  readonly processMs: number
}

const root = fileURLToPath(new URL("..", import.meta.url))
const apps = [
  { app: "@clerk/backend", entry: "src/apps/clerk-backend.ts" },
  { app: "ours/UndiciHttpClient", entry: "src/apps/ours-undicihttpclient.ts" },
  { app: "ours/fetch", entry: "src/apps/ours-fetch.ts" }
] as const

// Bundled CommonJS dependencies (undici) call `require`; an ESM bundle needs one.
const requireShim = "import { createRequire as __bench_createRequire } from 'node:module'; const require = __bench_createRequire(import.meta.url);"

const bundleApp = async (entry: string, outfile: string) => {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    treeShaking: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Our packages from their sources (the export condition the repo's tooling sets), no build first.
    conditions: ["@effect-clerk/source"],
    banner: { js: requireShim },
    logLevel: "warning"
  })
  const bytes = readFileSync(outfile)
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes).length }
}

const isTiming = (u: unknown): u is { importMs: number; firstCallsMs: number } =>
  typeof u === "object" && u !== null && "importMs" in u && "firstCallsMs" in u

/** Bundles every app, then measures `runs` cold starts of each, interleaved. */
export const measure = async (runs: number): Promise<ReadonlyArray<BundleFigure>> => {
  const outdir = `${root}build/bundle/`
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/coldstart.ts"],
    outfile: `${outdir}coldstart.mjs`,
    bundle: true,
    platform: "node",
    format: "esm",
    logLevel: "warning"
  })
  const built = []
  for (const { app, entry } of apps) {
    const outfile = `${outdir}${app.replace(/[^a-z]+/g, "-")}.mjs`
    built.push({ app, outfile, ...(await bundleApp(entry, outfile)) })
  }
  const server = await startFixedServer()
  const samples = new Map<string, { importMs: Array<number>; firstCallsMs: Array<number>; processMs: Array<number> }>(
    built.map(({ app }) => [app, { importMs: [], firstCallsMs: [], processMs: [] }])
  )
  try {
    for (let run = 0; run < runs + 1; run++) {
      const order = run % 2 === 0 ? built : [...built].reverse()
      for (const { app, outfile } of order) {
        const t0 = performance.now()
        const child = spawnSync(process.execPath, [`${outdir}coldstart.mjs`, outfile, server.url, secretKey], { encoding: "utf8", timeout: 30_000 })
        const processMs = performance.now() - t0
        if (child.status !== 0) throw new Error(`${app} cold start failed: ${child.stderr}`)
        const timing: unknown = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}")
        if (!isTiming(timing)) throw new Error(`${app} cold start printed ${child.stdout}`)
        const s = samples.get(app)
        if (s === undefined || run === 0) continue // the first round warms the disk cache
        s.importMs.push(timing.importMs)
        s.firstCallsMs.push(timing.firstCallsMs)
        s.processMs.push(processMs)
      }
    }
  } finally {
    server.stop()
  }
  return built.map(({ app, bytes, gzipBytes }) => {
    const s = samples.get(app)
    return {
      app,
      bytes,
      gzipBytes,
      importMs: round(median(s?.importMs ?? []), 1),
      firstCallsMs: round(median(s?.firstCallsMs ?? []), 1),
      processMs: round(median(s?.processMs ?? []), 1)
    }
  })
}
