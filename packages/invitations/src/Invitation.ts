/**
 * Schemas for Clerk invitations: the wire form (snake_case, epoch milliseconds), the domain form
 * (camelCase, `DateTime.Utc`), the transformation between them, and the parameters of every
 * operation, validated exactly as Clerk validates them so that bad input never reaches the wire.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as FastDecode from "./internal/fastDecode.js"
import { emailPattern, maxEpochMillis, revokeIdPattern } from "./internal/wire.js"

/**
 * The id Clerk gives an invitation (`inv_…`), branded so that any string cannot pass for one.
 *
 * @since 0.1.0
 * @category models
 */
export const InvitationId = Schema.String.pipe(Schema.brand("InvitationId"))

/**
 * An invitation id, branded.
 *
 * @since 0.1.0
 * @category models
 */
export type InvitationId = typeof InvitationId.Type

/**
 * The lifecycle states of an invitation; `expired` is computed by Clerk from `expires_at`.
 *
 * @since 0.1.0
 * @category models
 */
export const InvitationStatus = Schema.Literal("pending", "accepted", "revoked", "expired")

/**
 * One of `pending`, `accepted`, `revoked`, `expired`.
 *
 * @since 0.1.0
 * @category models
 */
export type InvitationStatus = typeof InvitationStatus.Type

/**
 * The email templates Clerk can send an invitation with.
 *
 * @since 0.1.0
 * @category models
 */
export const TemplateSlug = Schema.Literal("invitation", "waitlist_invitation")

/**
 * The orders `list` accepts: a field, optionally prefixed by `+` (ascending, the same as none)
 * or `-` (descending).
 *
 * @since 0.1.0
 * @category models
 */
export const OrderBy = Schema.Literal(
  "created_at",
  "+created_at",
  "-created_at",
  "email_address",
  "+email_address",
  "-email_address",
  "expires_at",
  "+expires_at",
  "-expires_at"
)

/**
 * A list order, such as `"-created_at"`.
 *
 * @since 0.1.0
 * @category models
 */
export type OrderBy = typeof OrderBy.Type

/**
 * An email address as Clerk accepts it: `local@domain.tld`, at most 320 characters.
 *
 * @since 0.1.0
 * @category models
 */
export const EmailAddress = Schema.String.pipe(
  Schema.maxLength(320, { message: () => "an email address has at most 320 characters" }),
  Schema.pattern(emailPattern, { message: (issue) => `${JSON.stringify(issue.actual)} is not a valid email address` }),
  Schema.annotations({ identifier: "EmailAddress" })
)

/**
 * A JSON value: what can travel in `public_metadata` and come back unchanged.
 *
 * @since 0.1.0
 * @category models
 */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/**
 * Schema of a JSON value; numbers must be finite, so nothing is silently turned into `null`.
 *
 * @since 0.1.0
 * @category models
 */
export const Json: Schema.Schema<Json> = Schema.Union(
  Schema.Null,
  Schema.Boolean,
  Schema.Number.pipe(Schema.finite()),
  Schema.String,
  Schema.Array(Schema.suspend((): Schema.Schema<Json> => Json)),
  Schema.Record({ key: Schema.String, value: Schema.suspend((): Schema.Schema<Json> => Json) })
).annotations({ identifier: "Json" })

/**
 * Public metadata: a JSON object whose inner keys are sent and returned exactly as written.
 *
 * @since 0.1.0
 * @category models
 */
export const Metadata = Schema.Record({ key: Schema.String, value: Json }).annotations({ identifier: "Metadata" })

/**
 * A time as Clerk's JSON carries it: epoch milliseconds within the range a `Date` (and so a
 * `DateTime`) can hold, ±8.64e15; anything else is a body that breaks the contract, not a crash.
 *
 * @since 0.1.0
 * @category wire
 */
export const EpochMillis = Schema.Number.pipe(
  Schema.between(-maxEpochMillis, maxEpochMillis, { message: (issue) => `${String(issue.actual)} is not a time in epoch milliseconds` }),
  Schema.annotations({ identifier: "EpochMillis" })
)

/**
 * An invitation as Clerk's JSON carries it (the `Invitation` schema of the official spec).
 * Fields Clerk may add later are ignored, never rejected. An optional field sent as `null` is
 * absent: specs before 2025 declared `url` nullable, and API versions of that era still answer
 * `"url": null`.
 *
 * @since 0.1.0
 * @category wire
 */
export const InvitationJson = Schema.Struct({
  object: Schema.Literal("invitation"),
  id: Schema.String,
  email_address: Schema.String,
  public_metadata: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  revoked: Schema.optionalWith(Schema.NullOr(Schema.Boolean), { exact: true }),
  status: InvitationStatus,
  url: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }),
  expires_at: Schema.optionalWith(Schema.NullOr(EpochMillis), { exact: true }),
  created_at: EpochMillis,
  updated_at: EpochMillis
}).annotations({ identifier: "InvitationJson" })

/**
 * The wire form of an invitation.
 *
 * @since 0.1.0
 * @category wire
 */
export type InvitationJson = typeof InvitationJson.Type

// A time of the domain form; `JSON.stringify` writes a `DateTime.Utc` as an ISO 8601 string,
// which is what its JSON Schema says.
const UtcTime = Schema.DateTimeUtcFromSelf.annotations({ jsonSchema: { type: "string", format: "date-time" } })

/**
 * An invitation to join a Clerk application: the domain form, camelCase, with UTC times.
 * `revoked` is `false` when Clerk omits it; `url` is absent after a revoke.
 *
 * @since 0.1.0
 * @category models
 */
export class Invitation extends Schema.Class<Invitation>("Invitation")({
  id: InvitationId,
  emailAddress: Schema.String,
  publicMetadata: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  status: InvitationStatus,
  revoked: Schema.Boolean,
  url: Schema.optionalWith(Schema.String, { exact: true }),
  expiresAt: Schema.optionalWith(UtcTime, { exact: true }),
  createdAt: UtcTime,
  updatedAt: UtcTime
}) {}

const dateTimeFromMillis = (millis: number): DateTime.Utc => DateTime.unsafeMake(millis)

// The decoding half of `InvitationFromJson`, from a wire invitation that `InvitationJson` (or the
// fast check standing in for it) accepted, so the brand is not checked again; a `DateTime` is
// immutable, so `updatedAt` shares `createdAt`'s when they are the same instant.
type InvitationProps = { -readonly [K in keyof ConstructorParameters<typeof Invitation>[0]]: ConstructorParameters<typeof Invitation>[0][K] }

const fromJson = (json: InvitationJson): Invitation => {
  const createdAt = dateTimeFromMillis(json.created_at)
  const props: InvitationProps = {
    id: InvitationId.make(json.id, true),
    emailAddress: json.email_address,
    publicMetadata: json.public_metadata,
    status: json.status,
    revoked: json.revoked ?? false,
    createdAt,
    updatedAt: json.updated_at === json.created_at ? createdAt : dateTimeFromMillis(json.updated_at)
  }
  if (json.url !== undefined && json.url !== null) props.url = json.url
  if (json.expires_at !== undefined && json.expires_at !== null) props.expiresAt = dateTimeFromMillis(json.expires_at)
  return new Invitation(props, true)
}

const toJson = (invitation: Invitation): InvitationJson => ({
  object: "invitation" as const,
  id: invitation.id,
  email_address: invitation.emailAddress,
  public_metadata: invitation.publicMetadata,
  ...(invitation.revoked ? { revoked: true } : {}),
  status: invitation.status,
  ...(invitation.url === undefined ? {} : { url: invitation.url }),
  ...(invitation.expiresAt === undefined ? {} : { expires_at: DateTime.toEpochMillis(invitation.expiresAt) }),
  created_at: DateTime.toEpochMillis(invitation.createdAt),
  updated_at: DateTime.toEpochMillis(invitation.updatedAt)
})

/**
 * Decodes Clerk's JSON into an `Invitation` (and encodes it back): snake_case keys become
 * camelCase, epoch milliseconds become `DateTime.Utc`, an absent `revoked` becomes `false`.
 *
 * @since 0.1.0
 * @category wire
 */
export const InvitationFromJson = Schema.transform(InvitationJson, Schema.typeSchema(Invitation), {
  strict: true,
  decode: fromJson,
  encode: toJson
}).annotations({ identifier: "InvitationFromJson" })

/**
 * A bare JSON array of invitations, as `POST /invitations/bulk` returns.
 *
 * @since 0.1.0
 * @category wire
 */
export const InvitationListFromJson = Schema.Array(InvitationFromJson)

/**
 * One page of invitations with the total number of matches, as `GET /invitations?paginated=true`
 * returns it (`{ data, total_count }`).
 *
 * @since 0.1.0
 * @category wire
 */
export const InvitationPageFromJson = Schema.Struct({
  data: Schema.Array(InvitationFromJson),
  totalCount: Schema.propertySignature(Schema.NonNegativeInt).pipe(Schema.fromKey("total_count"))
}).annotations({ identifier: "InvitationPage" })

/**
 * One page of invitations and the number of invitations that match the filters in all.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvitationPage extends Schema.Simplify<typeof InvitationPageFromJson.Type> {}

/**
 * Decodes Clerk's JSON of one invitation: `Schema.decodeUnknown(InvitationFromJson)`, with the
 * same result and the same errors; a well-formed body skips the schema interpreter (see
 * `internal/fastDecode.ts` for what that buys).
 *
 * @since 0.1.0
 * @category wire
 */
export const decodeInvitationJson: (u: unknown) => Effect.Effect<Invitation, ParseResult.ParseError> = FastDecode
  .invitation(fromJson, Schema.decodeUnknown(InvitationFromJson))

/**
 * Decodes the JSON array of `POST /invitations/bulk`, as `decodeInvitationJson` does one.
 *
 * @since 0.1.0
 * @category wire
 */
export const decodeInvitationListJson: (u: unknown) => Effect.Effect<ReadonlyArray<Invitation>, ParseResult.ParseError> =
  FastDecode.list(fromJson, Schema.decodeUnknown(InvitationListFromJson))

/**
 * Decodes a `{ data, total_count }` page, as `decodeInvitationJson` does one invitation.
 *
 * @since 0.1.0
 * @category wire
 */
export const decodeInvitationPageJson: (u: unknown) => Effect.Effect<InvitationPage, ParseResult.ParseError> = FastDecode
  .page(fromJson, Schema.decodeUnknown(InvitationPageFromJson))

const intBetween = (name: string, min: number, max: number) =>
  Schema.Number.pipe(
    Schema.int({ message: () => `${name} must be an integer` }),
    Schema.between(min, max, { message: () => `${name} must be between ${min} and ${max}` })
  )

const validateMetadata = ParseResult.validateEither(Metadata)

/**
 * Public metadata as `create` takes it: any object a caller holds (`Record<string, unknown>`, say
 * a parsed row), checked to be JSON by `Metadata`, whose issues it reports as they are.
 *
 * @since 0.1.0
 * @category params
 */
export const MetadataParam = Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
  Schema.filter((record, options) => Either.match(validateMetadata(record, options), { onLeft: (issue) => issue, onRight: () => true })),
  Schema.annotations({
    identifier: "MetadataParam",
    jsonSchema: { type: "object" },
    arbitrary: () => (fc) => fc.dictionary(fc.string(), fc.jsonValue())
  })
)

/**
 * What `Invitations.create` takes, validated before anything is sent. Its encoded form is the
 * JSON body of `POST /invitations`: camelCase keys become snake_case, metadata keys do not change.
 *
 * @since 0.1.0
 * @category params
 */
export const CreateParams = Schema.Struct({
  /** The address to invite. */
  emailAddress: Schema.propertySignature(EmailAddress).pipe(Schema.fromKey("email_address")),
  /** Copied to the user's public metadata on sign-up; must be JSON, keys are sent as written. */
  publicMetadata: Schema.optional(MetadataParam).pipe(Schema.fromKey("public_metadata")),
  /** Where the invitation link leads after it is clicked (custom flows). */
  redirectUrl: Schema.optional(Schema.String).pipe(Schema.fromKey("redirect_url")),
  /** Send the email. Clerk's default: true. */
  notify: Schema.optional(Schema.Boolean),
  /** Invite even if an invitation is pending for this address (and, on single create, a user has it). */
  ignoreExisting: Schema.optional(Schema.Boolean).pipe(Schema.fromKey("ignore_existing")),
  /** Days until the invitation expires, 1..365. Clerk's default: 30. */
  expiresInDays: Schema.optional(intBetween("expiresInDays", 1, 365)).pipe(
    Schema.fromKey("expires_in_days")
  ),
  /** The email template. Clerk's default: `invitation`. */
  templateSlug: Schema.optional(TemplateSlug).pipe(Schema.fromKey("template_slug"))
}).annotations({ identifier: "CreateParams" })

/**
 * The parameters of one invitation: the type of the `CreateParams` schema.
 *
 * @since 0.1.0
 * @category params
 */
export interface CreateParams extends Schema.Simplify<typeof CreateParams.Type> {}

/**
 * What `Invitations.createBulk` takes: 1 to 10 invitations, as one call of the endpoint allows.
 *
 * @since 0.1.0
 * @category params
 */
export const BulkParams = Schema.Array(CreateParams).pipe(
  Schema.minItems(1, { message: () => "a bulk create needs at least 1 invitation" }),
  Schema.maxItems(10, { message: () => "a bulk create takes at most 10 invitations per call" })
).annotations({ identifier: "BulkParams" })

const listFilters = {
  status: Schema.optional(Schema.Union(InvitationStatus, Schema.Array(InvitationStatus))),
  query: Schema.optional(Schema.String),
  orderBy: Schema.optional(OrderBy)
}

/**
 * What `Invitations.list` takes: `limit` 1..500 (Clerk's default 10), `offset` >= 0, integers;
 * `status` one or several; `query` matches email or id; `orderBy` a field with an optional sign.
 *
 * @since 0.1.0
 * @category params
 */
export const ListParams = Schema.Struct({
  ...listFilters,
  limit: Schema.optional(intBetween("limit", 1, 500)),
  offset: Schema.optional(
    Schema.Number.pipe(
      Schema.int({ message: () => "offset must be an integer" }),
      Schema.nonNegative({ message: () => "offset must be 0 or more" })
    )
  )
}).annotations({ identifier: "ListParams" })

/**
 * The parameters of one page of invitations.
 *
 * @since 0.1.0
 * @category params
 */
export interface ListParams extends Schema.Simplify<typeof ListParams.Type> {}

/**
 * What `Invitations.stream` takes: the filters of `list` and a `pageSize` (1..500, default 100).
 *
 * @since 0.1.0
 * @category params
 */
export const StreamParams = Schema.Struct({
  ...listFilters,
  pageSize: Schema.optional(intBetween("pageSize", 1, 500))
}).annotations({ identifier: "StreamParams" })

/**
 * The parameters of a stream over every page.
 *
 * @since 0.1.0
 * @category params
 */
export interface StreamParams extends Schema.Simplify<typeof StreamParams.Type> {}

/**
 * An invitation id as `revoke` accepts it: Clerk's ids are `inv_` and base62, so letters, digits,
 * `_` and `-` only. A `/`, `.`, `?`, `#`, `%`, a space or any other character could steer the
 * request to another path, so it is refused before a request exists.
 *
 * @since 0.1.0
 * @category params
 */
export const RevokeId = Schema.String.pipe(
  Schema.pattern(revokeIdPattern, {
    message: (issue) =>
      `${JSON.stringify(issue.actual)} is not an invitation id (expected letters, digits, "_" or "-", like inv_2g7np7Hrk0SN6kj5EDMLDaKNL0S)`
  }),
  Schema.annotations({ identifier: "InvitationId" })
)
