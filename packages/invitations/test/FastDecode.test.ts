/**
 * The fast decoders of `internal/fastDecode.ts` answer what the plain schemas of `Invitation.ts`
 * answer: over arbitrary JSON and over near-misses of valid invitations and pages (valid ones
 * drawn from `Arbitrary.make` of the structural schema, then mutated), the verdict of the fast
 * decoder (the same domain value, or a failure) equals `Schema.decodeUnknownEither` of the plain
 * schema. And every public schema of `Invitation.ts` yields a JSON Schema and an arbitrary.
 */
import { Invitation } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"

const plainInvitation = Schema.decodeUnknownEither(Invitation.InvitationFromJson)
const plainList = Schema.decodeUnknownEither(Invitation.InvitationListFromJson)
const plainPage = Schema.decodeUnknownEither(Invitation.InvitationPageFromJson)

/** The verdict of an effect that runs synchronously: its value, or that it failed. */
const verdict = <A, E>(effect: Effect.Effect<A, E>): Either.Either<A, "failed"> =>
  Either.mapLeft(Effect.runSync(Effect.either(effect)), () => "failed" as const)

const plainVerdict = <A, E>(either: Either.Either<A, E>): Either.Either<A, "failed"> =>
  Either.mapLeft(either, () => "failed" as const)

// valid wire invitations, from the structural schema itself
const validInvitation = Arbitrary.make(Invitation.InvitationJson).map((json): Record<string, unknown> => ({ ...json }))

const fields = [
  "object",
  "id",
  "email_address",
  "public_metadata",
  "revoked",
  "status",
  "url",
  "expires_at",
  "created_at",
  "updated_at"
] as const
const field = FastCheck.constantFrom(...fields, "__proto__", "extra")

// values that are wrong somewhere: wrong types, null, out-of-range or non-finite times, bad
// statuses, arrays for objects, deeply nested JSON
const nested = FastCheck.integer({ min: 1, max: 80 }).map((depth) => {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value }
  return value
})
const wrongValue = FastCheck.oneof(
  FastCheck.jsonValue(),
  FastCheck.constantFrom<unknown>(
    null,
    undefined,
    "",
    "invitation",
    "pending",
    "Pending",
    true,
    0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    8.64e15,
    8.64e15 + 1,
    -8.64e15 - 1,
    Number.MAX_VALUE,
    "1700000000000",
    [],
    {},
    [{}],
    { __proto__: null },
    "inv_2g7np7Hrk0SN6kj5EDMLDaKNL0S"
  ),
  nested,
  FastCheck.double(),
  FastCheck.string()
)

type Mutation =
  | { readonly _tag: "remove"; readonly key: string }
  | { readonly _tag: "set"; readonly key: string; readonly value: unknown }
  | { readonly _tag: "proto"; readonly value: unknown }

const mutation: FastCheck.Arbitrary<Mutation> = FastCheck.oneof(
  field.map((key): Mutation => ({ _tag: "remove", key })),
  FastCheck.tuple(field, wrongValue).map(([key, value]): Mutation => ({ _tag: "set", key, value })),
  wrongValue.map((value): Mutation => ({ _tag: "proto", value }))
)

const mutate = (json: Record<string, unknown>, mutations: ReadonlyArray<Mutation>): Record<string, unknown> => {
  const copy: Record<string, unknown> = { ...json }
  for (const m of mutations) {
    if (m._tag === "remove") delete copy[m.key]
    // an own `__proto__` key, as JSON.parse makes it
    else if (m._tag === "proto") Object.defineProperty(copy, "__proto__", { value: m.value, enumerable: true, writable: true, configurable: true })
    else copy[m.key] = m.value
  }
  return copy
}

const nearMiss = FastCheck.tuple(validInvitation, FastCheck.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([json, mutations]) => mutate(json, mutations))

// what a body can be: valid, a near-miss, or any JSON at all
const invitationInput: FastCheck.Arbitrary<unknown> = FastCheck.oneof(
  { arbitrary: validInvitation, weight: 2 },
  { arbitrary: nearMiss, weight: 4 },
  { arbitrary: FastCheck.jsonValue(), weight: 1 },
  { arbitrary: FastCheck.anything(), weight: 1 }
)

const validPage = FastCheck.record({
  data: FastCheck.array(validInvitation, { maxLength: 4 }),
  total_count: FastCheck.nat()
}).map((page): Record<string, unknown> => ({ ...page }))

const pageInput: FastCheck.Arbitrary<unknown> = FastCheck.oneof(
  { arbitrary: validPage, weight: 2 },
  // one item a near-miss
  {
    arbitrary: FastCheck.tuple(validPage, nearMiss, FastCheck.nat()).map(([page, item, at]) => {
      const data = Array.isArray(page["data"]) ? [...page["data"]] : []
      data.splice(at % (data.length + 1), 0, item)
      return { ...page, data }
    }),
    weight: 3
  },
  // the page itself a near-miss
  {
    arbitrary: FastCheck.tuple(validPage, FastCheck.constantFrom("data", "total_count", "totalCount", "extra"), wrongValue, FastCheck.boolean())
      .map(([page, key, value, remove]) => {
        const copy: Record<string, unknown> = { ...page }
        if (remove) delete copy[key]
        else copy[key] = value
        return copy
      }),
    weight: 3
  },
  { arbitrary: FastCheck.jsonValue(), weight: 1 },
  { arbitrary: FastCheck.anything(), weight: 1 }
)

describe("the fast decoders agree with the plain schemas", () => {
  it.prop("decodeInvitationJson: same verdict and value as Schema.decodeUnknownEither(InvitationFromJson)", [invitationInput], ([input]) => {
    assert.deepStrictEqual(verdict(Invitation.decodeInvitationJson(input)), plainVerdict(plainInvitation(input)))
  }, { fastCheck: { numRuns: 3000 } })

  it.prop("decodeInvitationListJson: same verdict and value as the plain list schema", [
    FastCheck.oneof(FastCheck.array(invitationInput, { maxLength: 4 }), invitationInput)
  ], ([input]) => {
    assert.deepStrictEqual(verdict(Invitation.decodeInvitationListJson(input)), plainVerdict(plainList(input)))
  }, { fastCheck: { numRuns: 1000 } })

  it.prop("decodeInvitationPageJson: same verdict and value as the plain page schema", [pageInput], ([input]) => {
    assert.deepStrictEqual(verdict(Invitation.decodeInvitationPageJson(input)), plainVerdict(plainPage(input)))
  }, { fastCheck: { numRuns: 2000 } })

  it("the near-misses include both verdicts, so neither side is trivially right", () => {
    const sample = FastCheck.sample(nearMiss, { numRuns: 500, seed: 42 })
    const accepted = sample.filter((input) => Either.isRight(plainInvitation(input))).length
    assert.isAbove(accepted, 0)
    assert.isBelow(accepted, sample.length)
  })

  it("a valid body decodes to an Invitation equal to the schema's", () => {
    for (const json of FastCheck.sample(validInvitation, { numRuns: 50, seed: 7 })) {
      const fast = verdict(Invitation.decodeInvitationJson(json))
      const plain = plainInvitation(json)
      assert.isTrue(Either.isRight(fast) && Either.isRight(plain))
      if (Either.isRight(fast) && Either.isRight(plain)) {
        assert.instanceOf(fast.right, Invitation.Invitation)
        assert.deepStrictEqual(fast.right, plain.right)
      }
    }
  })
})

const publicSchemas: ReadonlyArray<readonly [string, Schema.Schema.AnyNoContext]> = [
  ["InvitationId", Invitation.InvitationId],
  ["InvitationStatus", Invitation.InvitationStatus],
  ["TemplateSlug", Invitation.TemplateSlug],
  ["OrderBy", Invitation.OrderBy],
  ["EmailAddress", Invitation.EmailAddress],
  ["Json", Invitation.Json],
  ["Metadata", Invitation.Metadata],
  ["MetadataParam", Invitation.MetadataParam],
  ["EpochMillis", Invitation.EpochMillis],
  ["InvitationJson", Invitation.InvitationJson],
  ["Invitation", Invitation.Invitation],
  ["InvitationFromJson", Invitation.InvitationFromJson],
  ["InvitationListFromJson", Invitation.InvitationListFromJson],
  ["InvitationPageFromJson", Invitation.InvitationPageFromJson],
  ["CreateParams", Invitation.CreateParams],
  ["BulkParams", Invitation.BulkParams],
  ["ListParams", Invitation.ListParams],
  ["StreamParams", Invitation.StreamParams],
  ["RevokeId", Invitation.RevokeId]
]

describe("every public schema of Invitation.ts is a plain schema", () => {
  it("the list above names every schema the module exports", () => {
    const exported = Object.entries(Invitation).filter(([, value]) => Schema.isSchema(value)).map(([name]) => name).sort()
    assert.deepStrictEqual(publicSchemas.map(([name]) => name).sort(), exported)
  })

  for (const [name, schema] of publicSchemas) {
    it(`${name}: JSONSchema.make and Arbitrary.make succeed, and what the arbitrary draws is valid`, () => {
      assert.isObject(JSONSchema.make(schema))
      const is = Schema.is(Schema.typeSchema(schema))
      for (const value of FastCheck.sample(Arbitrary.make(schema), { numRuns: 20, seed: 1 })) {
        assert.isTrue(is(value), `${name} drew an invalid value`)
      }
    })
  }
})
