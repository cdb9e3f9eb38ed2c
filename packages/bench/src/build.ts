/**
 * Bundles the measuring children (`throughput`, `cpu`, `stream`, the fixed `server`) into
 * `build/run/*.mjs` with esbuild: our workspace sources are compiled in, every npm dependency
 * stays external and loads from `node_modules` as in an application.
 *
 * `BENCH_INVITATIONS_SRC=/path/to/packages/invitations/src` measures another version of the client
 * (say `git archive <commit> packages/invitations/src | tar -x -C /tmp/old`) with the same harness.
 */
import * as esbuild from "esbuild"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

/** Builds every child; returns the output directory. */
export const buildChildren = async (): Promise<string> => {
  const outdir = `${root}build/run`
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { throughput: "src/throughput.ts", cpu: "src/cpu.ts", stream: "src/stream.ts", server: "src/server.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Our packages from their sources (the export condition the repo's tooling sets), no build first.
    conditions: ["@effect-clerk/source"],
    outdir,
    outExtension: { ".js": ".mjs" },
    external: ["effect", "@effect/*", "@clerk/*", "undici", "esbuild"],
    ...(process.env["BENCH_INVITATIONS_SRC"] ? { alias: { "@effect-clerk/invitations": process.env["BENCH_INVITATIONS_SRC"] } } : {}),
    logLevel: "warning"
  })
  return outdir
}
