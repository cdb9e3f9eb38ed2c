/** create, list and revoke in process over the emulator: every output format, exit codes, stdin, confirmation. */
import { ClerkEmulator } from "@effect-clerk/emulator"
import { assert, describe, it } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import { Effect } from "effect"
import { stripVTControlCharacters } from "node:util"
import { cli } from "./utils.js"

const emulator = ClerkEmulator.layer()
const emails = (n: number, prefix = "user") => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`)

describe("create", () => {
  it.effect("one address: a single create, plain line when piped, exit 0", () =>
    Effect.gen(function*() {
      const ran = yield* cli(["create", "ada@example.com", "--metadata", "plan=pro", "--metadata", "seats=a=b", "--no-notify"])
      assert.strictEqual(ran.code, 0)
      assert.strictEqual(ran.stdoutLines.length, 1)
      assert.match(ran.stdoutLines[0] ?? "", /^inv_\w+\tada@example\.com\tpending\t/)
      const requests = yield* (yield* ClerkEmulator.ClerkEmulator).requests
      assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.path}`), ["POST /v1/invitations"])
      assert.deepStrictEqual(requests[0]?.body, {
        email_address: "ada@example.com",
        public_metadata: { plan: "pro", seats: "a=b" },
        notify: false
      })
    }).pipe(Effect.provide(emulator)))

  it.effect("23 addresses go in bulk calls of 10, 10 and 3; --ndjson prints Clerk's wire form", () =>
    Effect.gen(function*() {
      const ran = yield* cli(["create", ...emails(23), "--ndjson", "--expires-in-days", "7", "--template", "waitlist_invitation"])
      assert.strictEqual(ran.code, 0)
      const printed = ran.stdoutLines.map((line) => JSON.parse(line))
      assert.deepStrictEqual(printed.map((p) => p.email_address).sort(), emails(23).sort())
      assert.isTrue(printed.every((p) => p.object === "invitation" && p.id.startsWith("inv_")))
      const requests = yield* (yield* ClerkEmulator.ClerkEmulator).requests
      assert.deepStrictEqual(requests.map((r) => [r.path, Array.isArray(r.body) ? r.body.length : 0]), [
        ["/v1/invitations/bulk", 10],
        ["/v1/invitations/bulk", 10],
        ["/v1/invitations/bulk", 3]
      ])
    }).pipe(Effect.provide(emulator)))

  it.effect("addresses Clerk names as taken are reported, the rest of their batch is sent again; exit 1", () =>
    Effect.gen(function*() {
      const control = yield* ClerkEmulator.ClerkEmulator
      yield* cli(["create", "b@example.com"])
      yield* control.seedUser("d@example.com")
      const ran = yield* cli(["create", "a@example.com", "b@example.com", "c@example.com", "d@example.com", "--json"])
      assert.strictEqual(ran.code, 1)
      const doc = JSON.parse(ran.stdout)
      assert.deepStrictEqual(doc.data.map((i: { email_address: string }) => i.email_address).sort(), ["a@example.com", "c@example.com"])
      assert.deepStrictEqual(doc.failed.map((f: { email_address: string }) => f.email_address).sort(), ["b@example.com", "d@example.com"])
      assert.deepStrictEqual(doc.failed.map((f: { error: { _tag: string } }) => f.error._tag), ["DuplicateEmail", "DuplicateEmail"])
      assert.strictEqual(ran.stderrLines.length, 1)
      assert.include(JSON.parse(ran.stderrLines[0] ?? "").error.message, "2 of 4 addresses invited, 2 not")
      const invited = (yield* control.invitations).filter((i) => i.status === "pending").map((i) => i.email_address).sort()
      assert.deepStrictEqual(invited, ["a@example.com", "b@example.com", "c@example.com"])
    }).pipe(Effect.provide(emulator)))

  it.effect("a bad address, metadata or flag pair is a usage error (exit 2) and nothing is sent", () =>
    Effect.gen(function*() {
      const cases = [
        ["create", "ok@example.com", "not-an-email"],
        ["create", "ok@example.com", "--metadata", "novalue"],
        ["create", "ok@example.com", "--metadata-json", "[1]"],
        ["create", "ok@example.com", "--metadata", "a=1", "--metadata-json", "{}"],
        ["create", "ok@example.com", "--notify", "--no-notify"],
        ["create", "ok@example.com", "--csv", "--ndjson"]
      ]
      for (const args of cases) {
        const ran = yield* cli(args)
        assert.strictEqual(ran.code, 2, args.join(" "))
        assert.strictEqual(ran.stderrLines.length, 1, ran.stderr)
        assert.match(ran.stderrLines[0] ?? "", /^error: /)
        assert.strictEqual(ran.stdout, "")
      }
      assert.deepStrictEqual(yield* (yield* ClerkEmulator.ClerkEmulator).requests, [])
    }).pipe(Effect.provide(emulator)))

  it.effect("a table with a bold header on a terminal; --no-color and NO_COLOR drop the escape codes", () =>
    Effect.gen(function*() {
      const tty = { stdout: true, stderr: true }
      const ran = yield* cli(["create", "a@example.com", "b@example.com"], { tty })
      assert.strictEqual(ran.code, 0)
      assert.include(ran.stdoutLines[0] ?? "", "\u001b[")
      assert.match(stripVTControlCharacters(ran.stdoutLines[0] ?? ""), /^ID\s+EMAIL\s+STATUS\s+CREATED\s+EXPIRES$/)
      assert.strictEqual(ran.stdoutLines.length, 3)
      const flag = yield* cli(["list", "--no-color"], { tty })
      const env = yield* cli(["list"], { tty, env: { CLERK_SECRET_KEY: "sk_test_emulator", NO_COLOR: "1" } })
      for (const plain of [flag, env]) {
        assert.match(plain.stdoutLines[0] ?? "", /^ID\s+EMAIL/)
        assert.notInclude(plain.stdout, "\u001b")
      }
    }).pipe(Effect.provide(emulator)))
})

describe("list", () => {
  it.effect("each format: table on a terminal, plain lines in a pipe, --json, --ndjson, --csv", () =>
    Effect.gen(function*() {
      yield* (yield* ClerkEmulator.ClerkEmulator).seed({ count: 3, emailPrefix: "seed" })
      const table = yield* cli(["list", "--no-color"], { tty: { stdout: true, stderr: true } })
      assert.match(table.stdoutLines[0] ?? "", /^ID\s+EMAIL/)
      assert.strictEqual(table.stdoutLines.length, 4)
      assert.deepStrictEqual(table.stderrLines, ["1–3 of 3"])
      const plain = yield* cli(["list"])
      assert.strictEqual(plain.stdoutLines.length, 3)
      assert.strictEqual(plain.stdoutLines[0]?.split("\t").length, 5)
      const json = yield* cli(["list", "--json", "--limit", "2"])
      const doc = JSON.parse(json.stdout)
      assert.strictEqual(doc.total_count, 3)
      assert.strictEqual(doc.data.length, 2)
      const ndjson = yield* cli(["list", "--ndjson", "--offset", "1"])
      assert.strictEqual(ndjson.stdoutLines.length, 2)
      const csv = yield* cli(["list", "--csv"])
      const rows: Array<Record<string, string>> = parse(csv.stdout, { columns: true })
      assert.strictEqual(rows.length, 3)
      assert.deepStrictEqual(rows.map((r) => r["email_address"]).sort(), ["seed0@example.com", "seed1@example.com", "seed2@example.com"])
      for (const ran of [table, plain, json, ndjson, csv]) assert.strictEqual(ran.code, 0)
    }).pipe(Effect.provide(emulator)))

  it.effect("--all streams every page (page size from --limit); filters reach the request", () =>
    Effect.gen(function*() {
      const control = yield* ClerkEmulator.ClerkEmulator
      yield* control.seed({ count: 7, emailPrefix: "p" })
      yield* control.seed({ count: 2, status: "accepted", emailPrefix: "acc" })
      const ran = yield* cli(["list", "--all", "--limit", "3", "--ndjson", "--status", "pending", "--order-by", "email_address"])
      assert.strictEqual(ran.code, 0)
      assert.strictEqual(ran.stdoutLines.length, 7)
      const lists = (yield* control.requests).filter((r) => r.method === "GET")
      assert.strictEqual(lists.length, 3)
      assert.deepInclude(lists[0]?.urlParams, ["status", "pending"])
      assert.deepInclude(lists[0]?.urlParams, ["order_by", "email_address"])
      const csv = yield* cli(["list", "--all", "--csv", "--query", "acc"])
      assert.strictEqual(csv.stdoutLines.length, 3)
    }).pipe(Effect.provide(emulator)))

  it.effect("--all with --offset, or an out-of-range --limit, is a usage error", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* cli(["list", "--all", "--offset", "3"])).code, 2)
      const ran = yield* cli(["list", "--limit", "501"])
      assert.strictEqual(ran.code, 2)
      assert.deepStrictEqual(ran.stderrLines, ["error: Invalid list parameters: limit: limit must be between 1 and 500"])
    }).pipe(Effect.provide(emulator)))
})

describe("revoke", () => {
  it.effect("ids as arguments; an unknown id fails alone (exit 1), an already revoked one is no failure", () =>
    Effect.gen(function*() {
      const created = JSON.parse((yield* cli(["create", "a@example.com", "b@example.com", "--json"])).stdout)
      const [a, b] = created.data.map((i: { id: string }) => i.id)
      const first = yield* cli(["revoke", a])
      assert.strictEqual(first.code, 0)
      assert.match(first.stdoutLines[0] ?? "", /\trevoked\t/)
      const second = yield* cli(["revoke", a, b, "inv_doesnotexist000000000000000"])
      assert.strictEqual(second.code, 1)
      assert.include(second.stderr, `${a}: already revoked`)
      assert.include(second.stderr, "error: inv_doesnotexist000000000000000: No invitation was found")
      assert.include(second.stderr, "error: 1 of 3 invitations revoked, 1 not")
    }).pipe(Effect.provide(emulator)))

  it.effect("--stdin takes ids and NDJSON lines (list --ndjson), blank lines skipped", () =>
    Effect.gen(function*() {
      yield* cli(["create", ...emails(3)])
      const listed = (yield* cli(["list", "--ndjson"])).stdoutLines
      const ran = yield* cli(["revoke", "--stdin", "--json"], { stdin: [listed[0] ?? "", "", listed[1] ?? "", JSON.parse(listed[2] ?? "").id] })
      assert.strictEqual(ran.code, 0)
      const doc = JSON.parse(ran.stdout)
      assert.strictEqual(doc.data.length, 3)
      assert.isTrue(doc.data.every((i: { status: string }) => i.status === "revoked"))
    }).pipe(Effect.provide(emulator)))

  it.effect("a bad line on stdin or a bad id is a usage error and nothing is revoked", () =>
    Effect.gen(function*() {
      const bad = yield* cli(["revoke", "--stdin"], { stdin: ["inv_ok", "{\"nope\":1}"] })
      assert.strictEqual(bad.code, 2)
      assert.deepStrictEqual(bad.stderrLines, ["error: standard input line 2: a JSON line needs a string \"id\""])
      const path = yield* cli(["revoke", "../users/x"])
      assert.strictEqual(path.code, 2)
      assert.include(path.stderr, "not an invitation id")
      const nothing = yield* cli(["revoke"])
      assert.strictEqual(nothing.code, 2)
      const both = yield* cli(["revoke", "inv_a", "--status", "pending"])
      assert.strictEqual(both.code, 2)
      assert.deepStrictEqual(yield* (yield* ClerkEmulator.ClerkEmulator).requests, [])
    }).pipe(Effect.provide(emulator)))

  it.effect("by filter: --dry-run lists and sends no revoke; no --yes without a terminal is exit 2; --yes revokes", () =>
    Effect.gen(function*() {
      const control = yield* ClerkEmulator.ClerkEmulator
      yield* cli(["create", "x@old.example", "y@old.example", "z@new.example"])
      const dry = yield* cli(["revoke", "--status", "pending", "--query", "@old.example", "--dry-run", "--ndjson"])
      assert.strictEqual(dry.code, 0)
      assert.strictEqual(dry.stdoutLines.length, 2)
      assert.include(dry.stderr, "dry run: 2 invitations (status pending, matching \"@old.example\") would be revoked")
      const refused = yield* cli(["revoke", "--status", "pending", "--query", "@old.example"])
      assert.strictEqual(refused.code, 2)
      assert.include(refused.stderr, "pass --yes")
      assert.isFalse((yield* control.requests).some((r) => r.path.endsWith("/revoke")))
      const done = yield* cli(["revoke", "--status", "pending", "--query", "@old.example", "--yes"])
      assert.strictEqual(done.code, 0)
      const left = (yield* control.invitations).filter((i) => i.status === "pending").map((i) => i.email_address)
      assert.deepStrictEqual(left, ["z@new.example"])
    }).pipe(Effect.provide(emulator)))

  it.effect("by filter on a terminal: asks, and 'n' revokes nothing (exit 1), 'y' revokes", () =>
    Effect.gen(function*() {
      const control = yield* ClerkEmulator.ClerkEmulator
      yield* cli(["create", "x@old.example"])
      const no = yield* cli(["revoke", "--status", "pending"], { tty: { stdin: true }, answer: "n" })
      assert.strictEqual(no.code, 1)
      assert.include(no.stderr, "Revoke 1 invitation (status pending)? [y/N]")
      assert.isFalse((yield* control.requests).some((r) => r.path.endsWith("/revoke")))
      const yes = yield* cli(["revoke", "--status", "pending"], { tty: { stdin: true }, answer: "yes" })
      assert.strictEqual(yes.code, 0)
      assert.isTrue((yield* control.requests).some((r) => r.path.endsWith("/revoke")))
    }).pipe(Effect.provide(emulator)))
})
