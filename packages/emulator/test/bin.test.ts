/** The `clerk-emulator` bin as a user runs it. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

// The bin from its sources, as the repo runs it (the published one is `dist/bin.js`, checked outside the repo).
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const node = (args: ReadonlyArray<string>) => ["--conditions=@effect-clerk/source", "--import", "tsx", bin, ...args]

/** Resolves with the first stdout line, or rejects when the process ends first. */
const firstLine = (child: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    let buffered = ""
    child.stdout?.on("data", (data: Buffer) => {
      buffered += data.toString()
      const end = buffered.indexOf("\n")
      if (end >= 0) resolve(buffered.slice(0, end))
    })
    child.once("exit", (code) => reject(new Error(`exited with ${code} before printing: ${buffered}`)))
  })

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.once("exit", (code) => resolve(code))
  })

describe("clerk-emulator", () => {
  it.effect("prints the bound address, serves with the given keys, and exits 0 on SIGTERM", () =>
    Effect.acquireUseRelease(
      Effect.sync(() =>
        spawn(process.execPath, node(["--port", "0", "--secret-key", "sk_test_a", "--secret-key", "sk_test_b"]), {
          stdio: ["ignore", "pipe", "inherit"]
        })
      ),
      (child) =>
        Effect.gen(function*() {
          const line = yield* Effect.promise(() => firstLine(child))
          const match = /^Clerk emulator listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(line)
          assert.isNotNull(match, line)
          const port = Number(match?.[1])
          assert.isAbove(port, 0)
          const list = (key: string) =>
            Effect.promise(() =>
              fetch(`http://127.0.0.1:${port}/v1/invitations`, { headers: { authorization: `Bearer ${key}` } })
                .then((response) => response.status)
            )
          assert.deepStrictEqual([yield* list("sk_test_b"), yield* list("sk_test_emulator")], [200, 401])
          const started = Date.now()
          child.kill("SIGTERM")
          const code = yield* Effect.promise(() => exited(child))
          assert.strictEqual(code, 0)
          assert.isBelow(Date.now() - started, 5000)
        }),
      (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
    ), { timeout: 30_000 })
})
