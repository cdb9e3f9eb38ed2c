import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { array, code, control, errors, post, withEmulator } from "./utils.js"

const stored = Effect.flatMap(control, (c) => c.invitations)

describe("POST /v1/invitations/bulk", () => {
  it.effect("creates every item and answers a bare array in order", () =>
    Effect.gen(function*() {
      const reply = yield* post("/invitations/bulk", [
        { email_address: "a@example.com", public_metadata: null, redirect_url: null },
        { email_address: "b@example.com", expires_in_days: 3, template_slug: "invitation" }
      ])
      assert.strictEqual(reply.status, 200)
      const body = array(reply.json)
      assert.deepStrictEqual(body.map((i) => i.email_address), ["a@example.com", "b@example.com"])
      assert.deepStrictEqual(body.map((i) => i.status), ["pending", "pending"])
      assert.deepStrictEqual(body[0]?.public_metadata, {})
      assert.strictEqual(body[1]?.expires_at, 3 * 86_400_000)
      assert.strictEqual((yield* stored).length, 2)
    }).pipe(withEmulator()))

  it.effect("a duplicate anywhere fails the whole batch with one duplicate_record listing every address", () =>
    Effect.gen(function*() {
      yield* post("/invitations", { email_address: "a@example.com" })
      const reply = yield* post("/invitations/bulk", [
        { email_address: "new@example.com" },
        { email_address: "A@example.com" },
        { email_address: "twice@example.com" },
        { email_address: "TWICE@example.com" }
      ])
      assert.strictEqual(reply.status, 400)
      assert.deepStrictEqual(errors(reply), [{
        message: "duplicate invitations",
        long_message:
          "There are already pending invitations for the following email addresses: A@example.com, TWICE@example.com",
        code: "duplicate_record",
        meta: { email_addresses: ["A@example.com", "TWICE@example.com"] }
      }])
      assert.strictEqual((yield* stored).length, 1)
    }).pipe(withEmulator()))

  it.effect("ignore_existing on an item lets that duplicate through", () =>
    Effect.gen(function*() {
      yield* post("/invitations", { email_address: "a@example.com" })
      const reply = yield* post("/invitations/bulk", [
        { email_address: "a@example.com", ignore_existing: true },
        { email_address: "b@example.com" }
      ])
      assert.strictEqual(reply.status, 200)
      assert.strictEqual((yield* stored).length, 3)
    }).pipe(withEmulator()))

  it.effect("an existing user fails the batch with 422, even with ignore_existing", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(control, (c) => c.seedUser("user@example.com"))
      const reply = yield* post("/invitations/bulk", [
        { email_address: "ok@example.com" },
        { email_address: "user@example.com", ignore_existing: true }
      ])
      assert.strictEqual(reply.status, 422)
      assert.strictEqual(code(reply), "form_identifier_exists")
      assert.deepStrictEqual(errors(reply)[0]?.meta, { param_name: "email_address" })
      assert.strictEqual((yield* stored).length, 0)
    }).pipe(withEmulator()))

  it.effect("an invalid item fails the batch with 422 and stores nothing", () =>
    Effect.gen(function*() {
      const reply = yield* post("/invitations/bulk", [{ email_address: "ok@example.com" }, { email_address: "nope" }])
      assert.deepStrictEqual([reply.status, code(reply)], [422, "form_param_format_invalid"])
      assert.strictEqual((yield* stored).length, 0)
    }).pipe(withEmulator()))

  it.effect("11 items is 400 bulk_size_exceeded; 10 is fine; 0 is 422", () =>
    Effect.gen(function*() {
      const items = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({ email_address: `${prefix}${i}@example.com` }))
      const tooMany = yield* post("/invitations/bulk", items(11, "x"))
      assert.deepStrictEqual([tooMany.status, code(tooMany)], [400, "bulk_size_exceeded"])
      assert.strictEqual(errors(tooMany)[0]?.message, "Parameters exceed the maximum allowed bulk processing size of 10.")
      const none = yield* post("/invitations/bulk", [])
      assert.deepStrictEqual([none.status, code(none)], [422, "form_param_value_invalid"])
      const ten = yield* post("/invitations/bulk", items(10, "y"))
      assert.strictEqual(ten.status, 200)
      assert.strictEqual(array(ten.json).length, 10)
    }).pipe(withEmulator()))

  it.effect("a body that is not an array is 400 request_body_invalid", () =>
    Effect.gen(function*() {
      for (const body of [{ email_address: "a@example.com" }, "a@example.com", [1]]) {
        const reply = yield* post("/invitations/bulk", body)
        assert.deepStrictEqual([reply.status, code(reply)], [400, "request_body_invalid"])
      }
      const empty = yield* post("/invitations/bulk")
      assert.deepStrictEqual([empty.status, code(empty)], [400, "request_body_invalid"])
    }).pipe(withEmulator()))
})
