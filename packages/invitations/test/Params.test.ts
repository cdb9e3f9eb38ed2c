import { Invitation } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { invitationJson, invitationsOver, json, makeFakeHttp } from "./utils.js"

// A stub that answers anything well: a failure below can only come from validation.
const anything = makeFakeHttp((request) =>
  request.url.pathname.endsWith("/bulk")
    ? json([invitationJson()])
    : request.method === "GET"
    ? json({ data: [], total_count: 0 })
    : json(invitationJson())
)

const expectInvalid = <A, E extends { readonly _tag: string }>(
  run: (invitations: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const fake = yield* anything
    const invitations = yield* invitationsOver(fake.layer)
    const error = yield* Effect.flip(run(invitations))
    assert.strictEqual(error._tag, "InvalidRequest")
    assert.strictEqual((yield* Ref.get(fake.requests)).length, 0, "nothing is sent")
    return error
  })

const bad = <A>(value: A) => value as unknown as never

describe("validation before sending", () => {
  const invalidCreates: ReadonlyArray<[string, unknown, string]> = [
    ["an email without @", { emailAddress: "ada.example.com" }, "emailAddress"],
    ["an empty email", { emailAddress: "" }, "emailAddress"],
    ["an email with a space", { emailAddress: "ada lovelace@example.com" }, "emailAddress"],
    ["an email without a domain dot", { emailAddress: "ada@localhost" }, "emailAddress"],
    ["an email over 320 characters", { emailAddress: `${"a".repeat(320)}@example.com` }, "emailAddress"],
    ["a missing email", {}, "emailAddress"],
    ["expiresInDays 0", { emailAddress: "a@example.com", expiresInDays: 0 }, "expiresInDays"],
    ["expiresInDays 366", { emailAddress: "a@example.com", expiresInDays: 366 }, "expiresInDays"],
    ["expiresInDays 1.5", { emailAddress: "a@example.com", expiresInDays: 1.5 }, "expiresInDays"],
    ["an unknown templateSlug", { emailAddress: "a@example.com", templateSlug: "welcome" }, "templateSlug"],
    ["notify as a string", { emailAddress: "a@example.com", notify: "yes" }, "notify"],
    ["an unknown field", { emailAddress: "a@example.com", email_address: "b@example.com" }, "email_address"],
    ["metadata that is not JSON", { emailAddress: "a@example.com", publicMetadata: { n: Number.NaN } }, "publicMetadata"],
    ["metadata with a function", { emailAddress: "a@example.com", publicMetadata: { f: () => 1 } }, "publicMetadata"],
    ["metadata that is an array", { emailAddress: "a@example.com", publicMetadata: [1] }, "publicMetadata"]
  ]
  for (const [name, params, path] of invalidCreates) {
    it.effect(`create refuses ${name}`, () =>
      Effect.gen(function*() {
        const error = yield* expectInvalid((s) => s.create(bad(params)))
        assert.include(error.message, path)
        assert.isTrue(error._tag === "InvalidRequest" && error.issues.some((issue) => issue.path[0] === path))
      }))
  }

  it.effect("the message reads as a sentence with the path", () =>
    Effect.gen(function*() {
      const error = yield* expectInvalid((s) => s.create({ emailAddress: "nope", expiresInDays: 0 }))
      assert.strictEqual(
        error.message,
        "Invalid create parameters: emailAddress: \"nope\" is not a valid email address; expiresInDays: expiresInDays must be between 1 and 365"
      )
    }))

  it.effect("createBulk refuses 0 and 11 items, and a bad item", () =>
    Effect.gen(function*() {
      yield* expectInvalid((s) => s.createBulk([]))
      const eleven = Array.from({ length: 11 }, (_, i) => ({ emailAddress: `u${i}@example.com` }))
      const error = yield* expectInvalid((s) => s.createBulk(eleven))
      assert.include(error.message, "at most 10")
      const item = yield* expectInvalid((s) => s.createBulk([{ emailAddress: "a@example.com" }, { emailAddress: "b" }]))
      assert.include(item.message, "1.emailAddress")
    }))

  const invalidLists: ReadonlyArray<[string, unknown]> = [
    ["limit 0", { limit: 0 }],
    ["limit 501", { limit: 501 }],
    ["limit 2.5", { limit: 2.5 }],
    ["offset -1", { offset: -1 }],
    ["offset 0.5", { offset: 0.5 }],
    ["an unknown status", { status: "active" }],
    ["an unknown status in a list", { status: ["pending", "gone"] }],
    ["an unknown order", { orderBy: "name" }],
    ["an unknown field", { page: 2 }]
  ]
  for (const [name, params] of invalidLists) {
    it.effect(`list refuses ${name}`, () => expectInvalid((s) => s.list(bad(params))))
  }

  it.effect("stream refuses a bad pageSize and offset before any request", () =>
    Effect.gen(function*() {
      yield* expectInvalid((s) => Stream.runDrain(s.stream({ pageSize: 501 })))
      yield* expectInvalid((s) => Stream.runDrain(s.stream(bad({ offset: 10 }))))
    }))

  const hostileIds = ["", "../users", "inv_1/revoke", "inv_1?x=1", "inv_1#frag", "inv%2F1", "inv 1", "inv_ü", "..", ".", "inv_1\n", "a".repeat(129)]
  for (const id of hostileIds) {
    it.effect(`revoke refuses the id ${JSON.stringify(id)}`, () => expectInvalid((s) => s.revoke(id)))
  }

  it.effect("metadata keys travel untouched, whatever their case", () =>
    Effect.gen(function*() {
      const fake = yield* anything
      const invitations = yield* invitationsOver(fake.layer)
      const metadata = { camelKey: { innerCamel: [1, { deep_snake: null }] }, "kebab-key": true, snake_key: "x" }
      yield* invitations.create({ emailAddress: "a@example.com", publicMetadata: metadata })
      const [request] = yield* Ref.get(fake.requests)
      assert.deepStrictEqual(request?.body, { email_address: "a@example.com", public_metadata: metadata })
    }))
})

// Property tests: whatever violates a bound fails with InvalidRequest and sends nothing.
// (fast-check counts any return value but true or undefined as a failed property.)
const invalidProp: typeof expectInvalid = (run) => Effect.asVoid(expectInvalid(run)) as never
const notInt = FastCheck.double({ noNaN: false }).filter((n) => !Number.isInteger(n))
const outside = (min: number, max: number) =>
  FastCheck.oneof(FastCheck.integer({ max: min - 1 }), FastCheck.integer({ min: max + 1 }), notInt)

describe("properties", () => {
  it.effect.prop("limit outside 1..500 or not an integer", [outside(1, 500)], ([limit]) =>
    invalidProp((s) => s.list({ limit })))

  it.effect.prop("offset below 0 or not an integer", [FastCheck.oneof(FastCheck.integer({ max: -1 }), notInt)], ([offset]) =>
    invalidProp((s) => s.list({ offset })))

  it.effect.prop("expiresInDays outside 1..365 or not an integer", [outside(1, 365)], ([expiresInDays]) =>
    invalidProp((s) => s.create({ emailAddress: "a@example.com", expiresInDays })))

  it.effect.prop(
    "strings without an @ are never emails",
    [FastCheck.string().filter((s) => !s.includes("@"))],
    ([emailAddress]) => invalidProp((s) => s.create({ emailAddress }))
  )

  it.effect.prop("bulk sizes above 10", [FastCheck.integer({ min: 11, max: 40 })], ([n]) =>
    invalidProp((s) => s.createBulk(Array.from({ length: n }, (_, i) => ({ emailAddress: `u${i}@example.com` })))))

  it.effect.prop(
    "ids with a character outside [A-Za-z0-9_-]",
    [FastCheck.tuple(FastCheck.string(), FastCheck.string({ minLength: 1 }).filter((s) => /[^A-Za-z0-9_-]/.test(s)), FastCheck.string())],
    ([[before, hostile, after]]) => invalidProp((s) => s.revoke(`${before}${hostile}${after}`))
  )

  it.prop("valid emails by fast-check's generator pass the schema", [FastCheck.emailAddress()], ([email]) => {
    const ok = Schema.is(Invitation.EmailAddress)(email)
    // fast-check may produce quoted or IP-literal local parts Clerk would refuse too: only plain forms must pass
    if (/^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9.-]+\.[a-z]{2,}$/i.test(email) && !email.includes("..") && !/^\.|\.@/.test(email) && email.length <= 320) {
      assert.isTrue(ok, email)
    }
  })
})
