/** `seed`: many invitations at once, lists over 100,000 of them, duplicates and quotas after seeding. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { type ClerkEmulator } from "../src/index.js"
import { listPage, orders, reference, type ListQuery } from "./reference.js"
import { code, control, post, withEmulator } from "./utils.js"

const dayMs = 86_400_000

/** The stored invitation at `index`, or a failure naming it. */
const at = (all: ReadonlyArray<ClerkEmulator.StoredInvitation>, index: number) => {
  const invitation = all[index]
  if (invitation === undefined) throw new Error(`no invitation at ${index}`)
  return invitation
}

describe("seed", () => {
  it.effect("stores generated invitations in wire form, numbering addresses by position", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* TestClock.adjust("1 hour")
      yield* emulator.seed({ count: 3 })
      yield* emulator.seed({ count: 2, emailPrefix: "team.member" })
      yield* emulator.seed({ count: 0 })
      const all = yield* emulator.invitations
      assert.deepStrictEqual(all.map((i) => i.email_address), [
        "user0@example.com",
        "user1@example.com",
        "user2@example.com",
        "team.member3@example.com",
        "team.member4@example.com"
      ])
      const first = at(all, 0)
      assert.match(first.id, /^inv_[0-9A-Za-z]{27}$/)
      assert.deepStrictEqual(
        [first.object, first.status, first.created_at, first.updated_at, first.expires_at, first.public_metadata],
        ["invitation", "pending", 3_600_000, 3_600_000, 3_600_000 + 30 * dayMs, {}]
      )
      assert.match(first.url ?? "", /^https:\/\/clerk\.emulator\.invalid\/v1\/tickets\/accept\?ticket=[\w-]+\.[\w-]+\.[0-9A-Za-z]{43}$/)
      assert.isUndefined(first.revoked)
    }).pipe(withEmulator()))

  it.effect("every status reads as asked; accepted addresses become users'", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* TestClock.adjust("1 hour")
      for (const status of ["pending", "accepted", "revoked", "expired"] as const) {
        yield* emulator.seed({ count: 2, status })
      }
      const all = yield* emulator.invitations
      assert.deepStrictEqual(all.map((i) => i.status), [
        "pending", "pending", "accepted", "accepted", "revoked", "revoked", "expired", "expired"
      ])
      assert.strictEqual(at(all, 4).revoked, true)
      assert.isUndefined(at(all, 4).url)
      assert.strictEqual(at(all, 6).expires_at, 3_600_000 - 1)
      const taken = yield* post("/invitations", { email_address: "user2@example.com" })
      assert.deepStrictEqual([taken.status, code(taken)], [422, "form_identifier_exists"])
    }).pipe(withEmulator()))

  it.effect("ids stay unique over 10,000 seeded invitations", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* emulator.seed({ count: 10_000 })
      const all = yield* emulator.invitations
      assert.strictEqual(new Set(all.map((i) => i.id)).size, 10_000)
    }).pipe(withEmulator()))

  it.effect("duplicate detection still works after seeding", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* emulator.seed({ count: 1_000 })
      yield* emulator.seed({ count: 10, status: "expired" }) // user1000..user1009
      yield* emulator.seed({ count: 10, status: "accepted" }) // user1010..user1019
      yield* emulator.seed({ count: 10, status: "revoked" }) // user1020..user1029
      const create = (body: Record<string, unknown>) => Effect.map(post("/invitations", body), (r) => [r.status, code(r)])
      assert.deepStrictEqual(yield* create({ email_address: "user5@example.com" }), [400, "duplicate_record"])
      assert.deepStrictEqual(yield* create({ email_address: "USER999@Example.com" }), [400, "duplicate_record"])
      assert.deepStrictEqual(yield* create({ email_address: "user1005@example.com" }), [200, undefined])
      assert.deepStrictEqual(yield* create({ email_address: "user1015@example.com" }), [422, "form_identifier_exists"])
      assert.deepStrictEqual(yield* create({ email_address: "user1025@example.com" }), [200, undefined])
      assert.deepStrictEqual(yield* create({ email_address: "user6@example.com", ignore_existing: true }), [200, undefined])
      const bulk = yield* post("/invitations/bulk", [{ email_address: "fresh@example.com" }, { email_address: "user7@example.com" }])
      assert.deepStrictEqual([bulk.status, code(bulk)], [400, "duplicate_record"])
      // once the seeded invitation is revoked, its address is free again
      const seeded = at(yield* emulator.invitations, 8)
      assert.strictEqual((yield* post(`/invitations/${seeded.id}/revoke`)).status, 200)
      assert.deepStrictEqual(yield* create({ email_address: "user8@example.com" }), [200, undefined])
      // and once expired
      yield* emulator.expire(at(yield* emulator.invitations, 9).id)
      assert.deepStrictEqual(yield* create({ email_address: "user9@example.com" }), [200, undefined])
    }).pipe(withEmulator({ rateLimits: false })))

  it.effect("bad options fail with InvalidSeed and store nothing", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      // what an untyped caller may pass: options read from JSON
      const bad = [
        `{"count":-1}`,
        `{"count":1.5}`,
        `{"count":1000001}`,
        `{"count":"10"}`,
        `{}`,
        `{"count":1,"status":"archived"}`,
        `{"count":1,"emailPrefix":"a@b"}`,
        `{"count":1,"emailPrefix":"${"x".repeat(65)}"}`,
        `{"count":1,"extra":true}`
      ]
      for (const text of bad) {
        const options: ClerkEmulator.SeedOptions = JSON.parse(text)
        const error = yield* Effect.flip(emulator.seed(options))
        assert.strictEqual(error._tag, "InvalidSeed", text)
        assert.match(error.message, /^Invalid seed options: /)
      }
      assert.deepStrictEqual(yield* emulator.invitations, [])
    }).pipe(withEmulator()))

  it.effect("seeding spends no quota and is not a recorded request", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* emulator.seed({ count: 500 })
      assert.deepStrictEqual(yield* emulator.requests, [])
      assert.strictEqual((yield* post("/invitations", { email_address: "a@example.com" })).status, 200)
      assert.strictEqual((yield* post("/invitations", { email_address: "b@example.com" })).status, 429)
      yield* emulator.reset
      assert.deepStrictEqual(yield* emulator.invitations, [])
    }).pipe(withEmulator({ rateLimits: { create: 1, bulk: 1 } })))

  it.effect("100,000 seeded: pages by every order_by, status and query match the reference, total_count too", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* emulator.seed({ count: 40_000 })
      yield* TestClock.adjust("1 hour")
      yield* emulator.seed({ count: 20_000, status: "expired" })
      yield* TestClock.adjust("1 hour")
      yield* emulator.seed({ count: 10_000, status: "revoked" })
      yield* emulator.seed({ count: 10_000, status: "accepted" })
      yield* TestClock.adjust("1 hour")
      yield* emulator.seed({ count: 20_000, emailPrefix: "Late.User" })
      // a few through the API, with other expiries, and changes to seeded invitations
      const seeded = yield* emulator.invitations
      assert.strictEqual(seeded.length, 100_000)
      assert.strictEqual((yield* post("/invitations", { email_address: "zed@example.com", expires_in_days: 1 })).status, 200)
      assert.strictEqual((yield* post("/invitations", { email_address: "user5@example.com", ignore_existing: true })).status, 200)
      assert.strictEqual((yield* post("/invitations/bulk", [{ email_address: "amy@example.com", expires_in_days: 365 }])).status, 200)
      assert.strictEqual((yield* post(`/invitations/${at(seeded, 7).id}/revoke`)).status, 200)
      yield* emulator.expire(at(seeded, 99_998).id)
      yield* emulator.accept(at(seeded, 99_999).id)
      const all = yield* emulator.invitations
      assert.strictEqual(all.length, 100_003)

      const idPart = at(all, 12_345).id.slice(5, 15).toUpperCase()
      const queries: Array<ListQuery> = [
        {},
        { limit: 100, offset: 99_900 },
        { limit: 500, offset: 89_000 },
        { limit: 100, offset: 89_990 },
        { limit: 100, offset: 200_000 },
        ...orders.flatMap((orderBy) => [0, 45_000, 89_950].map((offset) => ({ orderBy, limit: 100, offset }))),
        { status: ["pending"], limit: 100, offset: 59_950 },
        { status: ["expired"], limit: 500, offset: 19_800 },
        { status: ["revoked"], limit: 100, offset: 9_950, orderBy: "email_address" },
        { status: ["accepted"], limit: 100, offset: 5_000, orderBy: "-expires_at" },
        { status: ["pending", "expired"], limit: 100, offset: 79_950 },
        { status: ["revoked", "accepted"], limit: 100, offset: 19_950, orderBy: "created_at" },
        { status: ["pending", "accepted"], limit: 100, offset: 69_000 },
        { status: ["pending", "expired", "revoked", "accepted"], limit: 100, offset: 99_950 },
        { query: "user9999", limit: 100 },
        { query: "LATE.user", limit: 100, offset: 19_950, orderBy: "email_address" },
        { query: "inv_", limit: 100, offset: 89_950 },
        { query: idPart, limit: 10 },
        { query: "example.com", status: ["expired"], limit: 100, offset: 100 },
        { query: "nobody", limit: 10 }
      ]
      for (const q of queries) {
        assert.deepStrictEqual(yield* listPage(q), reference(all, q), JSON.stringify(q))
      }
      assert.strictEqual((yield* listPage({})).totalCount, 100_003 - 10_001) // every one not revoked
      const last = yield* listPage({ limit: 100, offset: 89_950 })
      assert.strictEqual(last.ids.length, 90_002 - 89_950)
      assert.strictEqual(last.ids[last.ids.length - 1], at(all, 0).id)
    }).pipe(withEmulator({ rateLimits: false })), 180_000)
})
