/**
 * `effect-clerk import` in process, over the emulator layer: outputs, exit codes, the journal,
 * resume, the report, the dry run, the lock, and a graceful stop.
 */
import { ClerkEmulator, Fault } from "@effect-clerk/emulator"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { csv, journalOf, methods, runImport, scratch, stack, storedCounts } from "./importUtils.js"

const setup = (files: Record<string, string>) => {
  const dir = scratch()
  for (const [name, text] of Object.entries(files)) NodeFs.writeFileSync(NodePath.join(dir, name), text)
  return { dir, at: (name: string) => NodePath.join(dir, name), runs: NodePath.join(dir, "runs") }
}

describe("import", () => {
  it.effect("invites every address of a CSV, journals each row, prints a summary on stdout, exit 0", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const t = setup({ "people.csv": csv(25) })
      const out = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs])
      assert.strictEqual(out.code, 0, out.stderr)
      assert.match(out.stdout, /invited\s+25/)
      assert.deepStrictEqual(yield* storedCounts(emulator), { distinct: 25, doubled: 0 })
      const journal = journalOf(t.runs)
      assert.strictEqual(journal.length, 25)
      assert.deepStrictEqual(new Set(journal.map((e) => e.outcome)), new Set(["Invited"]))
      assert.deepStrictEqual(journal.map((e) => e.line).sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i + 2))
      // other columns went into public_metadata
      const stored = yield* emulator.invitations
      assert.deepStrictEqual(stored.find((i) => i.email_address === "user3@example.com")?.public_metadata, { name: "Person 3" })
      // Clerk's default, notify, unless --no-notify says otherwise
      const bodies = (yield* emulator.requests).filter((r) => r.method === "POST").map((r) => JSON.stringify(r.body))
      assert.isTrue(bodies.length > 0 && bodies.every((body) => !body.includes('"notify":false')), bodies[0])
      // the run's parameters hold no secret
      const [run] = NodeFs.readdirSync(t.runs)
      const info = NodeFs.readFileSync(NodePath.join(t.runs, run ?? "", "run.json"), "utf8")
      assert.notInclude(info, ClerkEmulator.defaultSecretKey)
      assert.include(info, "sha256")
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("--json prints one JSON document on stdout", () =>
    Effect.gen(function*() {
      const t = setup({ "people.csv": csv(3) })
      const out = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs])
      const doc = JSON.parse(out.stdout)
      assert.strictEqual(doc.complete, true)
      assert.strictEqual(doc.counts.Invited, 3)
      assert.strictEqual(doc.not_invited, 0)
    }).pipe(Effect.provide(stack({ rateLimits: false }, { json: true }))))

  it.effect("a CSV with bad lines: each reported with its line number, the rest invited, exit 1", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const text = "\uFEFFemail,company,redirect_url\r\n" + // 1: header with a BOM
        "ann@example.com,\"Acme, Inc.\",\n" + // 2: quoted comma
        "not-an-address,Beta,\n" + // 3: bad address
        "\n" + // 4: empty line
        "bob@example.com,\"Multi\nline\",\n" + // 5-6: quoted newline
        "carl@example.com,Gamma\n" + // 7: wrong column count
        "ANN@example.com,Acme again,\n" + // 8: duplicate of line 2
        "dee@example.com,Delta,https://example.com/welcome\n" // 9
      const t = setup({ "bad.csv": text })
      const out = yield* runImport([t.at("bad.csv"), "--runs-dir", t.runs, "--report", t.at("report.csv")])
      assert.strictEqual(out.code, 1)
      assert.include(out.stderr, "2 invalid")
      const stored = yield* emulator.invitations
      assert.deepStrictEqual(stored.map((i) => i.email_address).sort(), ["ann@example.com", "bob@example.com", "dee@example.com"])
      assert.deepStrictEqual(stored.find((i) => i.email_address === "ann@example.com")?.public_metadata, { company: "Acme, Inc." })
      assert.deepStrictEqual(stored.find((i) => i.email_address === "bob@example.com")?.public_metadata, { company: "Multi\nline" })
      const report = NodeFs.readFileSync(t.at("report.csv"), "utf8").split("\n")
      assert.strictEqual(report[0], "line,email,outcome,reason,trace_id")
      const byLine = new Map(report.slice(1).filter((l) => l.length > 0).map((l) => [Number(l.split(",")[0]), l]))
      assert.deepStrictEqual([...byLine.keys()], [3, 4, 7, 8])
      assert.include(byLine.get(3), "Invalid")
      assert.include(byLine.get(3), "not a valid email address")
      assert.include(byLine.get(4), "Empty")
      assert.include(byLine.get(7), "2 fields where the header has 3")
      assert.include(byLine.get(8), "DuplicateInput")
      assert.include(byLine.get(8), "same address as line 2")
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("NDJSON input, and a report as NDJSON", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const text = [
        JSON.stringify({ email: "a@example.com", public_metadata: { plan: "pro" }, team: "x" }),
        "{not json",
        JSON.stringify({ email_address: "b@example.com", expires_in_days: 400 }),
        JSON.stringify({ email: "c@example.com", expires_in_days: 7 })
      ].join("\n") + "\n"
      const t = setup({ "people.ndjson": text })
      const out = yield* runImport([t.at("people.ndjson"), "--runs-dir", t.runs, "--report", t.at("r.ndjson")])
      assert.strictEqual(out.code, 1)
      const stored = yield* emulator.invitations
      assert.deepStrictEqual(stored.map((i) => i.email_address).sort(), ["a@example.com", "c@example.com"])
      assert.deepStrictEqual(stored.find((i) => i.email_address === "a@example.com")?.public_metadata, { plan: "pro", team: "x" })
      const report = NodeFs.readFileSync(t.at("r.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
      assert.deepStrictEqual(report.map((r) => [r.line, r.outcome]), [[2, "Invalid"], [3, "Invalid"]])
      assert.include(report[1].reason, "expiresInDays")
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("usage errors exit 2 with a message that says what to fix", () =>
    Effect.gen(function*() {
      const t = setup({ "x.csv": "name,team\nA,B\n", "ok.csv": csv(1) })
      const missing = yield* runImport([t.at("nope.csv"), "--runs-dir", t.runs])
      assert.strictEqual(missing.code, 2)
      assert.include(missing.stderr, "no such file")
      const column = yield* runImport([t.at("x.csv"), "--runs-dir", t.runs])
      assert.strictEqual(column.code, 2)
      assert.include(column.stderr, "--email-column")
      const quotas = yield* runImport([t.at("ok.csv"), "--runs-dir", t.runs, "--quotas", "create=lots"])
      assert.strictEqual(quotas.code, 2)
      assert.include(quotas.stderr, "create=lots")
      const both = yield* runImport([t.at("ok.csv"), "--runs-dir", t.runs, "--notify", "--no-notify"])
      assert.strictEqual(both.code, 2)
      const none = yield* runImport(["--runs-dir", t.runs])
      assert.strictEqual(none.code, 2)
      const custom = yield* runImport([t.at("x.csv"), "--runs-dir", t.runs, "--email-column", "team", "--dry-run"])
      assert.strictEqual(custom.code, 0)
      assert.include(custom.stdout, "not a valid email address")
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("a re-run over the same input resumes: rows final in the journal are not sent again", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const t = setup({ "people.csv": csv(30) })
      // the first bulk call fails for good (a 400 Clerk does not explain): its 10 rows are Failed
      yield* emulator.injectFaults("bulk", Fault.Status({ status: 400 }), 1)
      const first = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs, "--quotas", "create=0,bulk=25"])
      assert.strictEqual(first.code, 1, first.stdout + first.stderr)
      assert.match(first.stdout, /failed\s+10/, first.stdout)
      const posted = (yield* emulator.requests).filter((r) => r.method === "POST").length
      const second = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs, "--quotas", "create=0,bulk=25"])
      assert.strictEqual(second.code, 0, second.stderr)
      assert.include(second.stderr, "Resuming run")
      assert.match(second.stdout, /invited\s+30/)
      assert.match(second.stdout, /failed\s+0/)
      const posts = (yield* emulator.requests).filter((r) => r.method === "POST").slice(posted)
      assert.strictEqual(posts.length, 1, "one bulk call for the 10 failed rows, none for the 20 invited")
      assert.deepStrictEqual(yield* storedCounts(emulator), { distinct: 30, doubled: 0 })
      // --runs lists the run and its counts
      const runs = yield* runImport(["--runs", "--runs-dir", t.runs])
      assert.match(runs.stdout, /RUN/)
      assert.match(runs.stdout, /\s30\s+0\s+0\s+0\s/)
      // --new-run starts afresh: a second run directory (the addresses are already invited)
      const fresh = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs, "--new-run"])
      assert.match(fresh.stdout, /already invited\s+30/)
      assert.strictEqual(NodeFs.readdirSync(t.runs).length, 2)
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("--dry-run spends no quota: only GETs; it says what would be invited, skipped and why, and how long", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* emulator.seed({ count: 5, emailPrefix: "user" })
      const t = setup({ "people.csv": csv(1_000) + "bad,x\n" })
      const out = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs, "--dry-run"])
      assert.strictEqual(out.code, 0)
      assert.deepStrictEqual(new Set(yield* methods(emulator)), new Set(["GET"]))
      assert.match(out.stdout, /would invite\s+995/)
      assert.match(out.stdout, /skip: already invited\s+5/)
      assert.match(out.stdout, /skip: invalid\s+1/)
      assert.include(out.stdout, "line 1002: bad: Invalid")
      assert.include(out.stdout, "about 2 h") // 995 at 350 an hour: two more windows after the first
      assert.isFalse(NodeFs.existsSync(t.runs) && NodeFs.readdirSync(t.runs).length > 0, "a dry run writes no journal")
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("--dry-run --json: one document", () =>
    Effect.gen(function*() {
      const t = setup({ "people.csv": csv(400) })
      const out = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs, "--dry-run", "--quotas", "create=10,bulk=0,window=30m"])
      const doc = JSON.parse(out.stdout)
      assert.strictEqual(doc.would_invite, 400)
      assert.strictEqual(doc.estimate.duration_ms, 39 * 30 * 60_000)
    }).pipe(Effect.provide(stack({ rateLimits: false }, { json: true }))))

  it.effect("a run locked by a live process is refused (exit 2); a lock of a dead process is taken over", () =>
    Effect.gen(function*() {
      const t = setup({ "people.csv": csv(3) })
      yield* runImport([t.at("people.csv"), "--runs-dir", t.runs])
      const [run] = NodeFs.readdirSync(t.runs)
      const lock = NodePath.join(t.runs, run ?? "", "lock")
      NodeFs.writeFileSync(lock, String(process.pid))
      const refused = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs])
      assert.strictEqual(refused.code, 2)
      assert.include(refused.stderr, `in use by process ${process.pid}`)
      NodeFs.writeFileSync(lock, "999999999")
      const taken = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs])
      assert.strictEqual(taken.code, 0)
      assert.include(taken.stderr, "Taking over")
      assert.isFalse(NodeFs.existsSync(lock), "the lock is released at the end")
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("stop (Ctrl-C): no new call, in-flight outcomes journaled, exit 130 with the resume command; the re-run invites the rest once", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const t = setup({ "people.csv": csv(60) })
      const stop = yield* Deferred.make<void>()
      // one bulk call of 10 and one create an hour; stop while the import waits for the next hour
      const args = [t.at("people.csv"), "--runs-dir", t.runs, "--quotas", "create=1,bulk=1,window=1h", "--no-notify"]
      const fiber = yield* Effect.fork(runImport(args, { stop, step: "1 minute", maxSteps: 30 }))
      while ((yield* emulator.invitations).length < 11 && fiber.unsafePoll() === null) yield* Effect.sleep("30 seconds")
      yield* Deferred.succeed(stop, undefined)
      const out = yield* Fiber.join(fiber)
      assert.strictEqual(out.code, 130, out.stderr)
      assert.include(out.stderr, `Resume with: effect-clerk import --runs-dir ${t.runs} --quotas create=1,bulk=1,window=1h --no-notify ${t.at("people.csv")}`)
      assert.strictEqual((yield* emulator.invitations).length, 11)
      assert.strictEqual(journalOf(t.runs).length, 11, "the outcomes of the calls made are journaled")
      const quiet = (yield* emulator.requests).filter((r) => r.method === "POST").map((r) => JSON.stringify(r.body))
      assert.isTrue(quiet.every((body) => body.includes('"notify":false')), "--no-notify reaches Clerk")
      const again = yield* runImport(args, { step: "10 minutes", maxSteps: 100 })
      assert.strictEqual(again.code, 0, again.stderr)
      assert.deepStrictEqual(yield* storedCounts(emulator), { distinct: 60, doubled: 0 })
      assert.strictEqual(journalOf(t.runs).length, 60)
    }).pipe(Effect.provide(stack({ rateLimits: { create: 1, bulk: 1 } }))))

  it.effect("a Retry-After beyond any quota window stops the import at once: one line, exit 1, a resumable journal", () =>
    Effect.gen(function*() {
      const t = setup({ "people.csv": csv(30) })
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* emulator.injectFaults("create", Fault.Status({ status: 429, retryAfter: 7_200 }), 1)
      yield* emulator.injectFaults("bulk", Fault.Status({ status: 429, retryAfter: 7_200 }), 1)
      const out = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs], { step: "1 second", maxSteps: 120 })
      assert.strictEqual(out.code, 1, out.stderr)
      assert.include(out.stderr, "Resume with: effect-clerk import")
      assert.match(out.stderr, /2h|2 hours|7200|7,200/)
      const [run] = NodeFs.readdirSync(t.runs).filter((name) => !name.startsWith("."))
      assert.isFalse(NodeFs.existsSync(NodePath.join(t.runs, run ?? "", "lock")))
      const again = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs])
      assert.strictEqual(again.code, 0, again.stderr)
      assert.deepStrictEqual(yield* storedCounts(emulator), { distinct: 30, doubled: 0 })
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("a key Clerk refuses: one line naming the typed error (exit 1), the journal stays resumable and unlocked", () =>
    Effect.gen(function*() {
      const t = setup({ "people.csv": csv(3) })
      const run1 = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs])
      assert.strictEqual(run1.code, 1)
      assert.include(run1.stderr, "clerk_key_invalid")
      const dry = yield* runImport([t.at("people.csv"), "--runs-dir", t.runs, "--dry-run"])
      assert.strictEqual(dry.code, 1)
      assert.include(dry.stderr, "clerk_key_invalid")
      const [run] = NodeFs.readdirSync(t.runs).filter((name) => !name.startsWith("."))
      assert.isFalse(NodeFs.existsSync(NodePath.join(t.runs, run ?? "", "lock")))
      assert.notInclude(NodeFs.readFileSync(NodePath.join(t.runs, run ?? "", "run.json"), "utf8"), "sk_")
    }).pipe(Effect.provide(stack({ rateLimits: false, secretKeys: ["sk_test_other"] }))))
})
