/** The `effect-clerk` bin from its sources, as a user runs it, against a `clerk-emulator` server over HTTP. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const emulatorBin = fileURLToPath(new URL("../../emulator/src/bin.ts", import.meta.url))
const node = (script: string, args: ReadonlyArray<string>) => ["--conditions=@effect-clerk/source", "--import", "tsx", script, ...args]

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

const collect = (child: ChildProcess) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (data: Buffer) => void (stdout += data.toString()))
    child.stderr?.on("data", (data: Buffer) => void (stderr += data.toString()))
    child.once("close", (code) => resolve({ code, stdout, stderr }))
  })

const withServer = <A, E>(use: (url: string) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => spawn(process.execPath, node(emulatorBin, ["--port", "0"]), { stdio: ["ignore", "pipe", "inherit"] })),
    (server) =>
      Effect.promise(() => firstLine(server)).pipe(
        Effect.map((line) => line.replace(/^Clerk emulator listening on /, "")),
        Effect.flatMap(use)
      ),
    (server) => Effect.sync(() => server.exitCode === null && server.kill("SIGKILL"))
  )

describe("effect-clerk bin", () => {
  it.effect("create several, list --ndjson | revoke --stdin, exit codes", () =>
    withServer((url) =>
      Effect.gen(function*() {
        const env = { ...process.env, CLERK_API_URL: url, CLERK_SECRET_KEY: "sk_test_emulator", NO_COLOR: "1" }
        const run = (args: ReadonlyArray<string>, stdio: "ignore" | "pipe" = "ignore") =>
          spawn(process.execPath, node(bin, args), { env, stdio: [stdio, "pipe", "pipe"] })

        const created = yield* Effect.promise(() => collect(run(["create", "a@example.com", "b@example.com", "c@example.com", "--ndjson"])))
        assert.strictEqual(created.code, 0, created.stderr)
        assert.strictEqual(created.stdout.trim().split("\n").length, 3)

        const again = yield* Effect.promise(() => collect(run(["create", "a@example.com"])))
        assert.strictEqual(again.code, 1)
        assert.match(again.stderr, /^error: Cannot invite a@example\.com: .*\(Clerk trace \w+\)\n$/)

        // list --ndjson | revoke --stdin, piped as a shell would
        const list = run(["list", "--ndjson"])
        const revoke = run(["revoke", "--stdin", "--csv"], "pipe")
        const stdin = revoke.stdin
        assert.isNotNull(stdin)
        if (stdin !== null) list.stdout?.pipe(stdin)
        const [listed, revoked] = yield* Effect.promise(() => Promise.all([collect(list), collect(revoke)]))
        assert.strictEqual(listed.code, 0, listed.stderr)
        assert.strictEqual(revoked.code, 0, revoked.stderr)
        const rows = revoked.stdout.trim().split("\n")
        assert.strictEqual(rows[0], "id,email_address,status,revoked,created_at,updated_at,expires_at,url,public_metadata")
        assert.strictEqual(rows.length, 4)
        assert.isTrue(rows.slice(1).every((row) => row.includes(",revoked,true,")))
        assert.include(revoked.stderr, "3 of 3 invitations revoked")

        const usage = yield* Effect.promise(() => collect(run(["list", "--limit", "0"])))
        assert.strictEqual(usage.code, 2)
        assert.strictEqual(usage.stderr, "error: Invalid list parameters: limit: limit must be between 1 and 500\n")
        assert.notInclude(usage.stderr, "sk_test_emulator")
      })), { timeout: 180_000 })

  it.effect("effect-clerk emulator serves, and Ctrl-C (SIGINT) ends it with exit 130", () =>
    Effect.acquireUseRelease(
      Effect.sync(() =>
        spawn(process.execPath, node(bin, ["emulator", "--port", "0", "--secret-key", "sk_test_b"]), {
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) =>
        Effect.gen(function*() {
          const ended = collect(child)
          const line = yield* Effect.promise(() => firstLine(child))
          const match = /^Clerk emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)
          assert.isNotNull(match, line)
          const status = yield* Effect.promise(() =>
            fetch(`${match?.[1]}/v1/invitations`, { headers: { authorization: "Bearer sk_test_b" } }).then((r) => r.status)
          )
          assert.strictEqual(status, 200)
          child.kill("SIGINT")
          const { code, stderr } = yield* Effect.promise(() => ended)
          assert.strictEqual(code, 130)
          assert.strictEqual(stderr, "")
        }),
      (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
    ), { timeout: 120_000 })
})
