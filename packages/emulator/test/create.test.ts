import { HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { base, code, control, errors, post, record, send, withEmulator } from "./utils.js"

describe("POST /v1/invitations", () => {
  it.effect("stores a pending invitation shaped like Clerk's", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_790_718_468_757)
      const reply = yield* post("/invitations", { email_address: "Ada@Example.com", public_metadata: { plan_Id: 1 } })
      assert.strictEqual(reply.status, 200)
      assert.strictEqual(reply.headers["content-type"], "application/json")
      const body = record(reply.json)
      assert.match(String(body.id), /^inv_[0-9A-Za-z]{27}$/)
      assert.deepStrictEqual(Object.keys(body).sort(), [
        "created_at", "email_address", "expires_at", "id", "object", "public_metadata", "status", "updated_at", "url"
      ])
      assert.strictEqual(body.object, "invitation")
      assert.strictEqual(body.email_address, "Ada@Example.com")
      assert.strictEqual(body.status, "pending")
      assert.deepStrictEqual(body.public_metadata, { plan_Id: 1 })
      assert.strictEqual(body.created_at, 1_790_718_468_757)
      assert.strictEqual(body.updated_at, 1_790_718_468_757)
      assert.strictEqual(body.expires_at, 1_790_718_468_757 + 30 * 86_400_000)
      assert.match(String(body.url), /^https:\/\/[^/]+\/v1\/tickets\/accept\?ticket=[\w-]+\.[\w-]+\.\w+$/)
      const stored = yield* Effect.flatMap(control, (c) => c.invitations)
      assert.deepStrictEqual<unknown>(stored, [body])
    }).pipe(withEmulator()))

  it.effect("defaults public_metadata to {} and honours expires_in_days and the other fields", () =>
    Effect.gen(function*() {
      const reply = yield* post("/invitations", {
        email_address: "ada@example.com",
        expires_in_days: 7,
        notify: false,
        redirect_url: "https://app.example.com/welcome",
        template_slug: "waitlist_invitation",
        ignore_existing: null
      })
      assert.strictEqual(reply.status, 200)
      const body = record(reply.json)
      assert.deepStrictEqual(body.public_metadata, {})
      assert.strictEqual(body.expires_at, 7 * 86_400_000)
    }).pipe(withEmulator()))

  it.effect("ids differ between invitations", () =>
    Effect.gen(function*() {
      const a = record((yield* post("/invitations", { email_address: "a@example.com" })).json)
      const b = record((yield* post("/invitations", { email_address: "b@example.com" })).json)
      assert.notStrictEqual(a.id, b.id)
    }).pipe(withEmulator()))

  it.effect("a pending invitation for the same address (any case) is 400 duplicate_record", () =>
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
      const trace = record(reply.json).clerk_trace_id
      assert.isString(trace)
      assert.isNotEmpty(trace)
      assert.strictEqual(reply.headers["clerk-trace-id"], trace)
      assert.strictEqual((yield* Effect.flatMap(control, (c) => c.invitations)).length, 1)
    }).pipe(withEmulator()))

  it.effect("an expired invitation does not block a new one", () =>
    Effect.gen(function*() {
      const first = record((yield* post("/invitations", { email_address: "ada@example.com", expires_in_days: 1 })).json)
      yield* TestClock.adjust("25 hours")
      const reply = yield* post("/invitations", { email_address: "ada@example.com" })
      assert.strictEqual(reply.status, 200)
      assert.notStrictEqual(record(reply.json).id, first.id)
    }).pipe(withEmulator()))

  it.effect("an address owned by a user is 422 form_identifier_exists", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(control, (c) => c.seedUser("grace@example.com"))
      const reply = yield* post("/invitations", { email_address: "Grace@example.com" })
      assert.strictEqual(reply.status, 422)
      assert.deepStrictEqual(errors(reply), [{
        message: "That email address is taken. Please try another.",
        long_message: "That email address is taken. Please try another.",
        code: "form_identifier_exists",
        meta: { param_name: "email_address" }
      }])
    }).pipe(withEmulator()))

  it.effect("ignore_existing creates despite a pending invitation or a user", () =>
    Effect.gen(function*() {
      yield* post("/invitations", { email_address: "ada@example.com" })
      yield* Effect.flatMap(control, (c) => c.seedUser("grace@example.com"))
      const again = yield* post("/invitations", { email_address: "ada@example.com", ignore_existing: true })
      const user = yield* post("/invitations", { email_address: "grace@example.com", ignore_existing: true })
      assert.deepStrictEqual([again.status, user.status], [200, 200])
      assert.strictEqual((yield* Effect.flatMap(control, (c) => c.invitations)).length, 3)
    }).pipe(withEmulator()))

  const invalid: ReadonlyArray<readonly [string, unknown, number, string, string]> = [
    ["a missing email_address", {}, 422, "form_param_missing", "email_address"],
    ["no body at all", undefined, 422, "form_param_missing", "email_address"],
    ["an unknown field", { email_address: "a@example.com", role: "admin" }, 422, "form_param_unknown", "role"],
    ["an invalid address", { email_address: "not-an-email" }, 422, "form_param_format_invalid", "email_address"],
    ["a non-string address", { email_address: 42 }, 422, "form_param_value_invalid", "email_address"],
    ["a string notify", { email_address: "a@example.com", notify: "yes" }, 422, "form_param_value_invalid", "notify"],
    ["metadata that is an array", { email_address: "a@example.com", public_metadata: [] }, 422, "form_param_value_invalid", "public_metadata"],
    ["expires_in_days 0", { email_address: "a@example.com", expires_in_days: 0 }, 422, "form_param_value_invalid", "expires_in_days"],
    ["expires_in_days 366", { email_address: "a@example.com", expires_in_days: 366 }, 422, "form_param_value_invalid", "expires_in_days"],
    ["expires_in_days 1.5", { email_address: "a@example.com", expires_in_days: 1.5 }, 422, "form_param_value_invalid", "expires_in_days"],
    ["an unknown template_slug", { email_address: "a@example.com", template_slug: "welcome" }, 422, "form_param_value_invalid", "template_slug"],
    ["null metadata (allowed on bulk only)", { email_address: "a@example.com", public_metadata: null }, 422, "form_param_value_invalid", "public_metadata"]
  ]
  for (const [name, body, status, expected, param] of invalid) {
    it.effect(`${name} is ${status} ${expected}`, () =>
      Effect.gen(function*() {
        const reply = yield* post("/invitations", body)
        assert.strictEqual(reply.status, status)
        assert.strictEqual(code(reply), expected)
        assert.deepStrictEqual(errors(reply)[0]?.meta, { param_name: param })
        assert.isString(errors(reply)[0]?.long_message)
        assert.strictEqual((yield* Effect.flatMap(control, (c) => c.invitations)).length, 0)
      }).pipe(withEmulator()))
  }

  it.effect("reports every invalid parameter", () =>
    Effect.gen(function*() {
      const reply = yield* post("/invitations", { email_address: "nope", notify: 1, extra: true })
      assert.strictEqual(reply.status, 422)
      assert.sameMembers(errors(reply).map((e) => e.code), ["form_param_unknown", "form_param_format_invalid", "form_param_value_invalid"])
    }).pipe(withEmulator()))

  it.effect("malformed JSON is 400 request_body_invalid; a JSON non-object too", () =>
    Effect.gen(function*() {
      const raw = (text: string) =>
        send(HttpClientRequest.post(`${base}/invitations`).pipe(
          HttpClientRequest.bodyText(text, "application/json"),
          HttpClientRequest.bearerToken("sk_test_emulator")
        ))
      const broken = yield* raw("{\"email_address\":")
      assert.deepStrictEqual([broken.status, code(broken)], [400, "request_body_invalid"])
      const list = yield* raw("[1]")
      assert.deepStrictEqual([list.status, code(list)], [400, "request_body_invalid"])
    }).pipe(withEmulator()))

  it.effect("a body that is not application/json is 415; a charset parameter is fine", () =>
    Effect.gen(function*() {
      const text = yield* send(HttpClientRequest.post(`${base}/invitations`).pipe(
        HttpClientRequest.bodyText("email_address=a@example.com", "application/x-www-form-urlencoded"),
        HttpClientRequest.bearerToken("sk_test_emulator")
      ))
      assert.deepStrictEqual([text.status, code(text)], [415, "unsupported_content_type"])
      const charset = yield* send(HttpClientRequest.post(`${base}/invitations`).pipe(
        HttpClientRequest.bodyText("{\"email_address\":\"a@example.com\"}", "application/json; charset=utf-8"),
        HttpClientRequest.bearerToken("sk_test_emulator")
      ))
      assert.strictEqual(charset.status, 200)
    }).pipe(withEmulator()))

  it.effect("a body over maxBodyBytes is 413 with Clerk's error shape", () =>
    Effect.gen(function*() {
      const reply = yield* post("/invitations", { email_address: "a@example.com", public_metadata: { pad: "x".repeat(2000) } })
      assert.strictEqual(reply.status, 413)
      assert.strictEqual(code(reply), "request_body_too_large")
      assert.strictEqual(reply.headers["content-type"], "application/json")
    }).pipe(withEmulator({ maxBodyBytes: 1000 })))
})
