/**
 * The fast paths agree with the schemas they shortcut: whenever `fastCreate` answers, the
 * `CreateParams` schema encodes the same input to the same body; the `decode…Json` functions
 * answer exactly what `Schema.decodeUnknown` of the wire schemas answers, value or error, for
 * well-formed bodies and for near-misses of them; `isRevokeId` accepts exactly the ids `RevokeId`
 * accepts.
 */
import { Invitation } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { fastCreate, isRevokeId } from "../src/internal/fastDecode.js"
import { invitationJson } from "./utils.js"

const encodeCreate = Schema.encodeUnknownEither(Invitation.CreateParams, { errors: "all", onExcessProperty: "error" })

const optional = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.option(arb, { nil: undefined, freq: 2 })

const createParams = FastCheck.record({
  emailAddress: FastCheck.oneof(
    FastCheck.emailAddress(),
    FastCheck.constantFrom("ada@example.com", "Ada.Lovelace+x@Example.CO", "no-at-sign", "", "a@b", `${"a".repeat(320)}@x.io`),
    FastCheck.string(),
    FastCheck.integer()
  ),
  redirectUrl: optional(FastCheck.oneof(FastCheck.webUrl(), FastCheck.integer())),
  notify: optional(FastCheck.oneof(FastCheck.boolean(), FastCheck.constant("true"))),
  ignoreExisting: optional(FastCheck.oneof(FastCheck.boolean(), FastCheck.constant(1))),
  expiresInDays: optional(FastCheck.oneof(FastCheck.integer({ min: -5, max: 400 }), FastCheck.double(), FastCheck.constant(Number.NaN))),
  templateSlug: optional(FastCheck.oneof(FastCheck.constantFrom("invitation", "waitlist_invitation"), FastCheck.string())),
  publicMetadata: optional(FastCheck.dictionary(FastCheck.string(), FastCheck.jsonValue())),
  extra: optional(FastCheck.anything())
}, { requiredKeys: [] })

// near-misses of a well-formed invitation: one field dropped, retyped or added
const field = FastCheck.constantFrom(
  "object",
  "id",
  "email_address",
  "public_metadata",
  "revoked",
  "status",
  "url",
  "expires_at",
  "created_at",
  "updated_at",
  "__proto__"
)
const wireInvitation = FastCheck.oneof(
  FastCheck.record({
    id: FastCheck.string(),
    email_address: FastCheck.string(),
    status: FastCheck.constantFrom("pending", "accepted", "revoked", "expired"),
    created_at: FastCheck.integer({ min: 0 }),
    revoked: optional(FastCheck.boolean()),
    expires_at: optional(FastCheck.option(FastCheck.integer({ min: 0 }), { nil: null }))
  }, { requiredKeys: ["id", "email_address", "status", "created_at"] }).map((fields) => invitationJson(fields)),
  FastCheck.tuple(field, FastCheck.oneof(FastCheck.constant(undefined), FastCheck.jsonValue(), FastCheck.constant(Number.POSITIVE_INFINITY)))
    .map(([key, value]) => {
      const json: Record<string, unknown> = { ...invitationJson() }
      if (value === undefined) delete json[key]
      else json[key] = value
      return json
    })
)

const outcome = <A>(effect: Effect.Effect<A, unknown>, encode: (a: A) => unknown) =>
  Either.match(Effect.runSync(Effect.either(effect)), {
    onLeft: (error) => ({ error: String(error) }),
    onRight: (value) => ({ value: encode(value) })
  })

const encodeInvitation = Schema.encodeSync(Invitation.InvitationFromJson)

const decodeRevokeId = Schema.decodeUnknownEither(Invitation.RevokeId)

const revokeIds = FastCheck.oneof(
  FastCheck.stringMatching(/^[A-Za-z0-9_-]{1,128}$/),
  FastCheck.stringMatching(/^[A-Za-z0-9_-]{120,140}$/),
  FastCheck.string(),
  FastCheck.constantFrom("", "inv_2g7np7Hrk0SN6kj5EDMLDaKNL0S", "inv/../x", "inv_x\n", "inv_x?y", "ínv_x", "a".repeat(128), "a".repeat(129)),
  FastCheck.anything()
)

describe("fast paths agree with the schemas", () => {
  it.prop("isRevokeId accepts exactly what the RevokeId schema decodes, unchanged", [revokeIds], ([id]) => {
    const decoded = decodeRevokeId(id)
    assert.strictEqual(isRevokeId(id), Either.isRight(decoded))
    if (Either.isRight(decoded)) assert.strictEqual(decoded.right, id)
  }, { fastCheck: { numRuns: 1000 } })

  it.prop("fastCreate answers only what the CreateParams schema encodes, and the same body", [createParams], ([params]) => {
    const fast = fastCreate(params)
    const slow = encodeCreate(params)
    if (fast !== undefined) {
      assert.isTrue(Either.isRight(slow), `fast path accepted what the schema rejects: ${JSON.stringify(params)}`)
      if (Either.isRight(slow)) assert.deepStrictEqual(fast, slow.right)
    }
  }, { fastCheck: { numRuns: 1000 } })

  it("the usual parameters take the fast path", () => {
    assert.deepStrictEqual(fastCreate({ emailAddress: "ada@example.com" }), { email_address: "ada@example.com" })
    assert.deepStrictEqual(
      fastCreate({ emailAddress: "ada@example.com", notify: false, expiresInDays: 7, templateSlug: "invitation" }),
      { email_address: "ada@example.com", notify: false, expires_in_days: 7, template_slug: "invitation" }
    )
    assert.isUndefined(fastCreate({ emailAddress: "ada@example.com", publicMetadata: {} }))
    assert.isUndefined(fastCreate({ emailAddress: "ada@example.com", notify: undefined }))
    assert.isUndefined(fastCreate(Object.assign(Object.create({ inherited: 1 }), { emailAddress: "ada@example.com" })))
    // keys the schema's excess-property check counts though Object.keys does not
    const withSymbol = { emailAddress: "ada@example.com", [Symbol("x")]: 1 }
    assert.isUndefined(fastCreate(withSymbol))
    assert.isTrue(Either.isLeft(encodeCreate(withSymbol)))
    const hidden = Object.defineProperty({ emailAddress: "ada@example.com", bogus: 1 }, "notify", { value: true, enumerable: false })
    assert.isUndefined(fastCreate(hidden))
    assert.isTrue(Either.isLeft(encodeCreate(hidden)))
  })

  it.prop("decodeInvitationJson = Schema.decodeUnknown(InvitationFromJson)", [wireInvitation], ([json]) => {
    assert.deepStrictEqual(
      outcome(Invitation.decodeInvitationJson(json), encodeInvitation),
      outcome(Schema.decodeUnknown(Invitation.InvitationFromJson)(json), encodeInvitation)
    )
  }, { fastCheck: { numRuns: 500 } })

  it.prop("decodeInvitationPageJson and decodeInvitationListJson = their schemas", [
    FastCheck.array(wireInvitation, { maxLength: 5 }),
    FastCheck.oneof(FastCheck.nat(), FastCheck.constant(-1), FastCheck.constant(1.5), FastCheck.constant("3"))
  ], ([data, total]) => {
    const page = { data, total_count: total }
    const encodePage = Schema.encodeSync(Invitation.InvitationPageFromJson)
    assert.deepStrictEqual(
      outcome(Invitation.decodeInvitationPageJson(page), encodePage),
      outcome(Schema.decodeUnknown(Invitation.InvitationPageFromJson)(page), encodePage)
    )
    const encodeList = Schema.encodeSync(Invitation.InvitationListFromJson)
    assert.deepStrictEqual(
      outcome(Invitation.decodeInvitationListJson(data), encodeList),
      outcome(Schema.decodeUnknown(Invitation.InvitationListFromJson)(data), encodeList)
    )
  }, { fastCheck: { numRuns: 300 } })
})
