import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { ClerkEmulator } from "../src/index.js"
import { array, code, errors, get, post, record } from "./utils.js"

const run = it.effect

describe("create", () => {
  run("stores a pending invitation shaped like Clerk's", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_790_718_468_757)
      const reply = yield* post("/invitations", { email_address: "ada@example.com", public_metadata: { plan_Id: 1 } })
      assert.strictEqual(reply.status, 200)
      assert.strictEqual(reply.headers["content-type"], "application/json")
      const body = record(reply.json)
      assert.match(String(body.id), /^inv_[0-9A-Za-z]{27}$/)
      assert.deepStrictEqual(Object.keys(body).sort(), [
        "created_at", "email_address", "expires_at", "id", "object", "public_metadata", "status", "updated_at", "url"
      ])
      assert.strictEqual(body.object, "invitation")
      assert.strictEqual(body.status, "pending")
      assert.deepStrictEqual(body.public_metadata, { plan_Id: 1 })
      assert.strictEqual(body.created_at, 1_790_718_468_757)
      assert.strictEqual(body.updated_at, 1_790_718_468_757)
      assert.strictEqual(body.expires_at, 1_790_718_468_757 + 30 * 86_400_000)
      assert.match(String(body.url), /^https:\/\/[^/]+\/v1\/tickets\/accept\?ticket=[\w-]+\.[\w-]+\.\w+$/)
      const stored = yield* Effect.flatMap(ClerkEmulator.ClerkEmulator, (c) => c.invitations)
      assert.deepStrictEqual(stored, [body])
    }).pipe(Effect.provide(ClerkEmulator.layer())))

  run("rejects a duplicate pending invitation with 400 duplicate_record", () =>
    Effect.gen(function*() {
      yield* post("/invitations", { email_address: "ada@example.com" })
      const reply = yield* post("/invitations", { email_address: "ADA@example.com" })
      assert.strictEqual(reply.status, 400)
      assert.deepStrictEqual(errors(reply)[0], {
        message: "duplicate invitation",
        long_message: "There are already pending invitations for the following email addresses: ADA@example.com",
        code: "duplicate_record",
        meta: { email_addresses: ["ADA@example.com"] }
      })
      assert.isString(record(reply.json).clerk_trace_id)
      assert.strictEqual(reply.headers["clerk-trace-id"], record(reply.json).clerk_trace_id)
    }).pipe(Effect.provide(ClerkEmulator.layer())))

  run("list shows what was created", () =>
    Effect.gen(function*() {
      yield* post("/invitations", { email_address: "ada@example.com" })
      const reply = yield* get("/invitations")
      assert.strictEqual(reply.status, 200)
      assert.strictEqual(array(reply.json).length, 1)
      assert.strictEqual(code(reply), undefined)
    }).pipe(Effect.provide(ClerkEmulator.layer())))
})
