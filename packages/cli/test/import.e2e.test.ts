/**
 * `effect-clerk import` end to end: the command from sources under NodeRuntime
 * (the effect-clerk bin from its sources, `import ...`) against a `clerk-emulator` server on 127.0.0.1, both spawned as
 * processes. A run killed with SIGKILL and resumed; a run stopped with SIGINT.
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { scratch } from "./importUtils.js"

const root = NodePath.resolve(import.meta.dirname, "../../..")
const source = ["--conditions=@effect-clerk/source", "--import", "tsx"]

/** Spawns a node program from sources, in the repo root (where tsx resolves). */
const spawn = (script: string, args: ReadonlyArray<string>, env: Record<string, string> = {}, stdin?: string) => {
  const child = NodeChild.spawn(process.execPath, [...source, script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"]
  })
  if (stdin !== undefined) child.stdin?.end(stdin)
  return child
}

/** A `clerk-emulator` on a free port for the scope; its base URL. */
const emulator: Effect.Effect<string, Error, Scope.Scope> = Effect.acquireRelease(
  Effect.async<{ readonly child: NodeChild.ChildProcess; readonly url: string }, Error>((resume) => {
    const child = spawn("packages/emulator/src/bin.ts", ["--port", "0", "--no-rate-limits"])
    let out = ""
    child.stdout?.on("data", (chunk) => {
      out += String(chunk)
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
      if (url !== undefined) resume(Effect.succeed({ child, url }))
    })
    child.on("exit", (code) => resume(Effect.fail(new Error(`the emulator exited with ${code}: ${out}`))))
  }),
  ({ child }) => Effect.sync(() => child.kill("SIGTERM"))
).pipe(Effect.map(({ url }) => url))

/** The served emulator's URL, one process for the whole file (reset before each test). */
class Served extends Context.Tag("test/Served")<Served, string>() {}

const fresh = Effect.flatMap(Served, (url) => Effect.as(control(url, "/reset", {}), url))

const control = (url: string, path: string, body?: unknown) =>
  Effect.promise(() =>
    fetch(`${url}/__emulator${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })
      .then((response) => response.json())
  )

const Stored = Schema.Array(Schema.Struct({ email_address: Schema.String, status: Schema.String }))

/** The stored invitations of one test (its own address prefix: calls of an earlier test may still land). */
const stored = (url: string, prefix: string) =>
  Effect.flatMap(control(url, "/invitations"), (body) => Effect.orDie(Schema.decodeUnknown(Stored)(body))).pipe(
    Effect.map((all) => all.filter((i) => i.email_address.startsWith(prefix)))
  )

interface Ran {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

const stderrs = new WeakMap<NodeChild.ChildProcess, string>()
const stderrOf = (child: NodeChild.ChildProcess) => stderrs.get(child) ?? ""

/**
 * Runs the import bin; `during` runs once it started and may signal it (the child is still
 * running when `during` is called).
 */
const runBin = (
  url: string,
  args: ReadonlyArray<string>,
  during: (child: NodeChild.ChildProcess) => Effect.Effect<void> = () => Effect.void,
  stdin?: string
) =>
  Effect.gen(function*() {
    const child = spawn("packages/cli/src/bin.ts", ["import", ...args], {
      CLERK_API_URL: url,
      CLERK_SECRET_KEY: "sk_test_emulator"
    }, stdin)
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (chunk) => void (stdout += String(chunk)))
    child.stderr?.on("data", (chunk) => {
      stderr += String(chunk)
      stderrs.set(child, stderr)
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal }))
    )
    yield* during(child)
    const { code, signal } = yield* Effect.promise(() => exited)
    const ran: Ran = { code, signal, stdout, stderr }
    return ran
  })

const journalLines = (runs: string): ReadonlyArray<{ line: number; outcome: string; email: string }> => {
  if (!NodeFs.existsSync(runs)) return []
  return NodeFs.readdirSync(runs).filter((name) => !name.startsWith(".")).flatMap((run) => {
    const file = NodePath.join(runs, run, "outcomes.ndjson")
    if (!NodeFs.existsSync(file)) return []
    return NodeFs.readFileSync(file, "utf8").split("\n").flatMap((line) => {
      try {
        return [JSON.parse(line)]
      } catch {
        return [] // the last line of a killed run may be cut short
      }
    })
  })
}

/** Waits (bounded) until the journal has at least `n` outcomes or the child exited. */
const untilJournal = (runs: string, n: number, child: NodeChild.ChildProcess) =>
  Effect.gen(function*() {
    for (let i = 0; i < 3_000 && journalLines(runs).length < n && child.exitCode === null; i++) {
      yield* Effect.sleep("20 millis")
    }
  })

const lastByLine = (entries: ReadonlyArray<{ line: number; outcome: string; email: string }>) => {
  const last = new Map<number, { outcome: string; email: string }>()
  for (const entry of entries) last.set(entry.line, entry)
  return last
}

const people = (valid: number, prefix: string) => {
  const lines = ["email,name"]
  for (let i = 0; i < valid; i++) lines.push(`${prefix}${i}@example.com,Person ${i}`)
  lines.push("not-an-address,Bad", `${prefix}3@example.com,Again`)
  return lines.join("\n") + "\n"
}

layer(Layer.scoped(Served, emulator), { timeout: 60_000, excludeTestServices: true })("import, end to end", (it) => {
  it.effect("a run killed with SIGKILL at a random point and resumed: one invitation per valid address, a complete journal", () =>
    Effect.gen(function*() {
      const url = yield* fresh
      // every call takes a moment, so the kill lands mid-run
      yield* control(url, "/chaos", { rate: 1, faults: [{ _tag: "Delay", millis: 15 }], routes: ["create", "bulk"] })
      const dir = scratch()
      const file = NodePath.join(dir, "people.csv")
      NodeFs.writeFileSync(file, people(300, "killed"))
      const runs = NodePath.join(dir, "runs")
      const at = 1 + Math.floor(Math.random() * 200)
      console.log(`SIGKILL after ${at} journaled outcomes`)
      const killed = yield* runBin(url, [file, "--runs-dir", runs], (child) =>
        Effect.zipRight(untilJournal(runs, at, child), Effect.sync(() => child.kill("SIGKILL"))))
      assert.strictEqual(killed.signal, "SIGKILL", killed.stderr)
      const before = journalLines(runs).length
      assert.isBelow(before, 302, "killed before the end")
      const resumed = yield* runBin(url, [file, "--runs-dir", runs])
      assert.strictEqual(resumed.code, 1, resumed.stderr) // the invalid row
      assert.include(resumed.stderr, "Resuming run")
      const invitations = yield* stored(url, "killed")
      const byEmail = new Map<string, number>()
      for (const i of invitations) byEmail.set(i.email_address, (byEmail.get(i.email_address) ?? 0) + 1)
      assert.strictEqual(byEmail.size, 300)
      assert.deepStrictEqual([...byEmail.values()].filter((n) => n > 1), [], "nobody invited twice")
      const last = lastByLine(journalLines(runs))
      assert.deepStrictEqual([...last.keys()].sort((a, b) => a - b), Array.from({ length: 302 }, (_, i) => i + 2))
      const outcomes = new Map<string, number>()
      for (const { outcome } of last.values()) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
      assert.strictEqual(outcomes.get("Invalid"), 1)
      assert.strictEqual(outcomes.get("DuplicateInput"), 1)
      assert.strictEqual((outcomes.get("Invited") ?? 0) + (outcomes.get("AlreadyInvited") ?? 0), 300)
      assert.strictEqual(outcomes.get("Failed"), undefined)
    }).pipe(Effect.scoped), 120_000)

  it.effect("SIGINT: no new call, the calls in flight journaled, exit 130 with the resume command; the resumed run finishes", () =>
    Effect.gen(function*() {
      const url = yield* fresh
      yield* control(url, "/chaos", { rate: 1, faults: [{ _tag: "Delay", millis: 40 }], routes: ["create", "bulk"] })
      const dir = scratch()
      const file = NodePath.join(dir, "people.csv")
      NodeFs.writeFileSync(file, people(400, "stopped"))
      const runs = NodePath.join(dir, "runs")
      const stopped = yield* runBin(url, [file, "--runs-dir", runs], (child) =>
        Effect.zipRight(untilJournal(runs, 40, child), Effect.sync(() => child.kill("SIGINT"))))
      assert.strictEqual(stopped.code, 130, stopped.stderr)
      assert.include(stopped.stderr, "Resume with: effect-clerk import")
      assert.include(stopped.stdout, "stopped before the end")
      const journaled = journalLines(runs)
      assert.isBelow(journaled.length, 402)
      // every invitation created is in the journal: the calls in flight were waited for
      const invited = journaled.filter((e) => e.outcome === "Invited").length
      assert.strictEqual((yield* stored(url, "stopped")).length, invited)
      const lock = NodeFs.readdirSync(runs).map((run) => NodePath.join(runs, run, "lock"))
      assert.isFalse(lock.some((file) => NodeFs.existsSync(file)), "the lock is released")
      const resumed = yield* runBin(url, [file, "--runs-dir", runs, "--json"])
      assert.strictEqual(resumed.code, 1, resumed.stderr)
      const doc = JSON.parse(resumed.stdout)
      assert.strictEqual(doc.complete, true)
      assert.strictEqual(doc.counts.Invited, 400)
      assert.strictEqual((yield* stored(url, "stopped")).length, 400)
    }).pipe(Effect.scoped), 120_000)

  it.effect("a second SIGINT exits at once with 130; the next run still invites no one twice", () =>
    Effect.gen(function*() {
      const url = yield* fresh
      // calls that take long: a graceful stop would wait for them, the second Ctrl-C does not
      yield* control(url, "/chaos", { rate: 1, faults: [{ _tag: "Delay", millis: 5_000 }], routes: ["create", "bulk"] })
      const dir = scratch()
      const file = NodePath.join(dir, "people.csv")
      NodeFs.writeFileSync(file, people(50, "quit"))
      const runs = NodePath.join(dir, "runs")
      const quit = yield* runBin(url, [file, "--runs-dir", runs], (child) =>
        Effect.gen(function*() {
          for (let i = 0; i < 3_000 && (yield* Effect.promise(() => fetch(`${url}/__emulator/requests`).then((r) => r.json()))).length < 2; i++) {
            yield* Effect.sleep("20 millis")
          }
          child.kill("SIGINT")
          for (let i = 0; i < 3_000 && !/Stopping/.test(stderrOf(child)); i++) yield* Effect.sleep("20 millis")
          child.kill("SIGINT")
        }))
      assert.strictEqual(quit.code, 130, quit.stderr)
      assert.include(quit.stderr, "Stopped at once")
      yield* control(url, "/chaos", { rate: 0, faults: [{ _tag: "Delay", millis: 0 }] })
      const resumed = yield* runBin(url, [file, "--runs-dir", runs])
      assert.strictEqual(resumed.code, 1, resumed.stderr)
      const byEmail = new Map<string, number>()
      for (const i of yield* stored(url, "quit")) byEmail.set(i.email_address, (byEmail.get(i.email_address) ?? 0) + 1)
      assert.strictEqual(byEmail.size, 50)
      assert.deepStrictEqual([...byEmail.values()].filter((n) => n > 1), [])
    }).pipe(Effect.scoped), 120_000)

  it.effect("- reads stdin; the same input piped again resumes its run and sends nothing", () =>
    Effect.gen(function*() {
      const url = yield* fresh
      const runs = NodePath.join(scratch(), "runs")
      const input = people(30, "piped")
      const first = yield* runBin(url, ["--runs-dir", runs, "-"], undefined, input)
      assert.strictEqual(first.code, 1, first.stderr)
      assert.match(first.stdout, /invited\s+30/)
      const posts = () => Effect.map(control(url, "/requests"), (requests) => JSON.stringify(requests).split("piped0@").length - 1)
      const before = yield* posts()
      const again = yield* runBin(url, ["--runs-dir", runs, "-"], undefined, input)
      assert.include(again.stderr, "Resuming run")
      assert.match(again.stdout, /invited\s+30/)
      assert.strictEqual(yield* posts(), before, "nothing sent again")
      assert.deepStrictEqual(NodeFs.readdirSync(runs).filter((name) => name.startsWith(".")), [], "the stdin spool is removed")
    }).pipe(Effect.scoped), 120_000)
})
