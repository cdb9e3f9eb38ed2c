/** The `clerk-emulator` bin as a user runs it. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as Net from "node:net"
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

interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the bin to its end with piped output (not a terminal). */
const runToEnd = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.acquireUseRelease(
    Effect.sync(() => spawn(process.execPath, node(args), { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } })),
    (child) =>
      Effect.promise(() =>
        new Promise<Finished>((resolve) => {
          let stdout = ""
          let stderr = ""
          child.stdout.on("data", (data: Buffer) => {
            stdout += data.toString()
          })
          child.stderr.on("data", (data: Buffer) => {
            stderr += data.toString()
          })
          child.once("close", (code) => resolve({ code, stdout, stderr }))
        })
      ),
    (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  )

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "")
const escape = String.fromCharCode(27)

describe("clerk-emulator as a command", () => {
  it.effect("--help piped has no ANSI codes and shows the defaults of --port and --host", () =>
    Effect.gen(function*() {
      const help = yield* runToEnd(["--help"], { FORCE_COLOR: "1" })
      assert.strictEqual(help.code, 0)
      assert.notInclude(help.stdout, escape)
      assert.include(help.stdout, "--port integer")
      assert.include(help.stdout, "(default 4010)")
      assert.include(help.stdout, "(default 127.0.0.1)")
      assert.include(help.stdout, "--log-authorization")
    }), { timeout: 30_000 })

  it.effect("a bad --port is a usage error: exit 2, one line on stderr, no JSON", () =>
    Effect.gen(function*() {
      for (const value of ["abc", "99999"]) {
        const run = yield* runToEnd(["--port", value])
        assert.strictEqual(run.code, 2, value)
        assert.lengthOf(lines(run.stderr), 1, run.stderr)
        assert.include(run.stderr, value)
        assert.notInclude(run.stderr, "{")
        assert.notInclude(run.stderr, escape)
        assert.strictEqual(run.stdout, "")
      }
      const unknown = yield* runToEnd(["--bogus"])
      assert.strictEqual(unknown.code, 2)
      assert.lengthOf(lines(unknown.stderr), 1, unknown.stderr)
    }), { timeout: 60_000 })

  it.effect("a port in use: exit 1 and one line that says so, no stack trace", () =>
    Effect.acquireUseRelease(
      Effect.async<Net.Server>((resume) => {
        const server = Net.createServer()
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.gen(function*() {
          const address = server.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          const run = yield* runToEnd(["--port", String(port)])
          assert.strictEqual(run.code, 1)
          assert.deepStrictEqual(lines(run.stderr), [
            `clerk-emulator: port ${port} is in use on 127.0.0.1; pick another with --port (0 picks a free one)`
          ])
          assert.strictEqual(run.stdout, "")
        }),
      (server) =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
        })
    ), { timeout: 30_000 })

  it.effect("--host 0.0.0.0 prints a reachable loopback URL; --log-authorization keeps keys in the log", () =>
    Effect.acquireUseRelease(
      Effect.sync(() =>
        spawn(process.execPath, node(["--port", "0", "--host", "0.0.0.0", "--log-authorization"]), {
          stdio: ["ignore", "pipe", "ignore"]
        })
      ),
      (child) =>
        Effect.gen(function*() {
          const line = yield* Effect.promise(() => firstLine(child))
          const match = /^Clerk emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)
          assert.isNotNull(match, line)
          const url = String(match?.[1])
          const status = yield* Effect.promise(() =>
            fetch(`${url}/v1/invitations`, { headers: { authorization: "Bearer sk_test_emulator" } }).then((r) => r.status)
          )
          assert.strictEqual(status, 200)
          const log = yield* Effect.promise(() => fetch(`${url}/__emulator/requests`).then((r) => r.text()))
          assert.include(log, "Bearer sk_test_emulator")
          child.kill("SIGINT")
          assert.strictEqual(yield* Effect.promise(() => exited(child)), 0)
        }),
      (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
    ), { timeout: 30_000 })
})
