import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { array, code, control, errors, get, post, record, withEmulator } from "./utils.js"

/** Creates invitations one second apart; answers their ids in creation order. */
const seed = (emails: ReadonlyArray<string>) =>
  Effect.forEach(emails, (email) =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 second")
      return String(record((yield* post("/invitations", { email_address: email })).json).id)
    }))

const emailsOf = (value: unknown) => array(value).map((i) => i.email_address)

describe("GET /v1/invitations", () => {
  it.effect("answers a bare array, newest first, 10 by default", () =>
    Effect.gen(function*() {
      yield* seed(Array.from({ length: 12 }, (_, i) => `u${String(i).padStart(2, "0")}@example.com`))
      const reply = yield* get("/invitations")
      assert.strictEqual(reply.status, 200)
      assert.strictEqual(reply.headers["content-type"], "application/json")
      const emails = emailsOf(reply.json)
      assert.strictEqual(emails.length, 10)
      assert.strictEqual(emails[0], "u11@example.com")
      assert.strictEqual(emails[9], "u02@example.com")
    }).pipe(withEmulator()))

  it.effect("paginated=true answers {data, total_count} counting every match", () =>
    Effect.gen(function*() {
      yield* seed(["a@example.com", "b@example.com", "c@example.com"])
      const reply = yield* get("/invitations", [["paginated", "true"], ["limit", "2"], ["offset", "1"]])
      const body = record(reply.json)
      assert.deepStrictEqual(Object.keys(body).sort(), ["data", "total_count"])
      assert.strictEqual(body.total_count, 3)
      assert.deepStrictEqual(emailsOf(body.data), ["b@example.com", "a@example.com"])
      const bare = yield* get("/invitations", [["paginated", "false"]])
      assert.strictEqual(emailsOf(bare.json).length, 3)
    }).pipe(withEmulator()))

  it.effect("orders by each field, both directions; ties keep creation order", () =>
    Effect.gen(function*() {
      yield* seed(["b@example.com", "c@example.com", "a@example.com"])
      const order = (by: string) => Effect.map(get("/invitations", [["order_by", by]]), (r) => emailsOf(r.json))
      assert.deepStrictEqual(yield* order("created_at"), ["b@example.com", "c@example.com", "a@example.com"])
      assert.deepStrictEqual(yield* order("+created_at"), ["b@example.com", "c@example.com", "a@example.com"])
      assert.deepStrictEqual(yield* order("-created_at"), ["a@example.com", "c@example.com", "b@example.com"])
      assert.deepStrictEqual(yield* order("email_address"), ["a@example.com", "b@example.com", "c@example.com"])
      assert.deepStrictEqual(yield* order("-email_address"), ["c@example.com", "b@example.com", "a@example.com"])
      assert.deepStrictEqual(yield* order("expires_at"), ["b@example.com", "c@example.com", "a@example.com"])
      // same instant: creation order breaks the tie
      yield* post("/invitations", { email_address: "d@example.com" })
      yield* post("/invitations", { email_address: "e@example.com" })
      assert.deepStrictEqual((yield* order("created_at")).slice(3), ["d@example.com", "e@example.com"])
      assert.deepStrictEqual((yield* order("-created_at")).slice(0, 2), ["e@example.com", "d@example.com"])
    }).pipe(withEmulator()))

  it.effect("excludes revoked unless asked; filters by repeated status, including computed expired", () =>
    Effect.gen(function*() {
      const [pending, revoked, accepted, expired] = yield* seed([
        "p@example.com", "r@example.com", "a@example.com", "e@example.com"
      ])
      const emulator = yield* control
      yield* post(`/invitations/${revoked}/revoke`)
      yield* emulator.accept(String(accepted))
      yield* emulator.expire(String(expired))
      const statuses = (params: ReadonlyArray<readonly [string, string]>) =>
        Effect.map(get("/invitations", [...params, ["order_by", "created_at"]]), (r) => array(r.json).map((i) => i.status))
      assert.deepStrictEqual(yield* statuses([]), ["pending", "accepted", "expired"])
      assert.deepStrictEqual(yield* statuses([["status", "revoked"]]), ["revoked"])
      assert.deepStrictEqual(yield* statuses([["status", "pending"], ["status", "expired"]]), ["pending", "expired"])
      assert.deepStrictEqual(yield* statuses([["status", "accepted"]]), ["accepted"])
      assert.isDefined(pending)
    }).pipe(withEmulator()))

  it.effect("a pending invitation reads expired once expires_at has passed", () =>
    Effect.gen(function*() {
      yield* post("/invitations", { email_address: "a@example.com", expires_in_days: 1 })
      const status = Effect.map(get("/invitations"), (r) => array(r.json)[0]?.status)
      assert.strictEqual(yield* status, "pending")
      yield* TestClock.adjust("24 hours")
      assert.strictEqual(yield* status, "pending")
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* status, "expired")
    }).pipe(withEmulator()))

  it.effect("query matches email or id, case-insensitively, as a substring", () =>
    Effect.gen(function*() {
      const [ada] = yield* seed(["Ada.Lovelace@example.com", "grace@navy.mil"])
      assert.deepStrictEqual(emailsOf((yield* get("/invitations", [["query", "lovelace"]])).json), ["Ada.Lovelace@example.com"])
      assert.deepStrictEqual(emailsOf((yield* get("/invitations", [["query", "NAVY"]])).json), ["grace@navy.mil"])
      assert.deepStrictEqual(
        emailsOf((yield* get("/invitations", [["query", String(ada).toLowerCase()]])).json),
        ["Ada.Lovelace@example.com"]
      )
      assert.deepStrictEqual(emailsOf((yield* get("/invitations", [["query", "nobody"]])).json), [])
    }).pipe(withEmulator()))

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ["status", "open"],
    ["order_by", "name"],
    ["order_by", "*created_at"],
    ["limit", "0"],
    ["limit", "501"],
    ["limit", "ten"],
    ["limit", "1.5"],
    ["offset", "-1"],
    ["paginated", "yes"]
  ]
  for (const [param, value] of invalid) {
    it.effect(`${param}=${value} is 422 form_param_value_invalid`, () =>
      Effect.gen(function*() {
        const reply = yield* get("/invitations", [[param, value]])
        assert.strictEqual(reply.status, 422)
        assert.strictEqual(code(reply), "form_param_value_invalid")
        assert.deepStrictEqual(errors(reply)[0]?.meta, { param_name: param })
      }).pipe(withEmulator()))
  }

  it.effect("limit 500 and a large offset are fine", () =>
    Effect.gen(function*() {
      yield* seed(["a@example.com"])
      assert.strictEqual(emailsOf((yield* get("/invitations", [["limit", "500"]])).json).length, 1)
      assert.strictEqual(emailsOf((yield* get("/invitations", [["offset", "1000"]])).json).length, 0)
    }).pipe(withEmulator()))
})
