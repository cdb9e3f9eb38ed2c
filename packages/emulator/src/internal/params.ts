/**
 * Decoding of what callers send (create and bulk bodies, list query parameters) with Schema,
 * and the translation of Schema issues into Clerk's form errors (clerk-api.md §3, §6).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as ClerkErrors from "./clerkErrors.js"
import { InvitationStatus, OrderField, TemplateSlug } from "./model.js"

/** The address check of ajv-formats' `email`, so nothing stored breaks the official schema. */
const emailPattern =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i

const Metadata = Schema.Record({ key: Schema.String, value: Schema.Unknown })
const exact = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** Fields shared by create and bulk items; bulk also allows `null` metadata and redirect URL. */
const itemFields = {
  email_address: Schema.String.pipe(Schema.pattern(emailPattern)),
  notify: exact(Schema.NullOr(Schema.Boolean)),
  ignore_existing: exact(Schema.NullOr(Schema.Boolean)),
  expires_in_days: exact(Schema.NullOr(Schema.Int.pipe(Schema.between(1, 365)))),
  template_slug: exact(TemplateSlug)
}

/** Body of `POST /invitations`. */
export const CreateBody = Schema.Struct({
  ...itemFields,
  public_metadata: exact(Metadata),
  redirect_url: exact(Schema.String)
})

/** One item of `POST /invitations/bulk`. */
export const BulkItem = Schema.Struct({
  ...itemFields,
  public_metadata: exact(Schema.NullOr(Metadata)),
  redirect_url: exact(Schema.NullOr(Schema.String))
})

/** What create needs from either body shape. */
export type CreateParams = typeof BulkItem.Type

const expectedTypes: Readonly<Record<string, string>> = {
  email_address: "string",
  public_metadata: "object",
  redirect_url: "string",
  notify: "boolean",
  ignore_existing: "boolean",
  expires_in_days: "integer",
  template_slug: "string",
  status: "string",
  query: "string",
  order_by: "string",
  limit: "integer",
  offset: "integer",
  paginated: "boolean"
}

const jsonType = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "number" && Number.isInteger(value)
  ? "integer"
  : typeof value

const typeMatches = (expected: string, actual: string) =>
  expected === actual || (expected === "number" && actual === "integer")

const valueMessage = (param: string, value: unknown): string => {
  switch (param) {
    case "expires_in_days":
      return "expires_in_days must be an integer between 1 and 365."
    case "limit":
      return "limit must be an integer between 1 and 500."
    case "offset":
      return "offset must be an integer greater than or equal to 0."
    default:
      return `${JSON.stringify(value)} does not match one of the allowed values for parameter ${param}`
  }
}

/** Maps the Schema issues of one object to Clerk form errors, one per parameter. */
const formErrors = (
  error: ParseResult.ParseError,
  input: Readonly<Record<string, unknown>>,
  queryParams: boolean
): ReadonlyArray<ClerkErrors.ClerkError> => {
  const seen = new Set<string>()
  const errors: Array<ClerkErrors.ClerkError> = []
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const param = String(issue.path[0] ?? "body")
    if (seen.has(param)) continue
    seen.add(param)
    const value = Object.hasOwn(input, param) ? input[param] : undefined
    const expected = Object.hasOwn(expectedTypes, param) ? expectedTypes[param] ?? "string" : "string"
    if (issue._tag === "Missing") errors.push(ClerkErrors.paramMissing(param))
    else if (issue._tag === "Unexpected") errors.push(ClerkErrors.paramUnknown(param))
    else if (param === "email_address" && typeof value === "string") errors.push(ClerkErrors.paramFormatInvalid(param))
    else if (!queryParams && !typeMatches(expected, jsonType(value))) {
      errors.push(ClerkErrors.paramValueInvalid(
        param,
        `${param} is invalid. Received ${jsonType(value)}, must be of type ${expected}.`
      ))
    } else errors.push(ClerkErrors.paramValueInvalid(param, valueMessage(param, value)))
  }
  return errors
}

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const strict = { errors: "all", onExcessProperty: "error" } as const
const decodeCreate = Schema.decodeUnknownEither(CreateBody, strict)
const decodeItem = Schema.decodeUnknownEither(BulkItem, strict)
const decodeJson = Schema.decodeUnknownEither(Schema.parseJson())

/** Parses a body's text as JSON: empty text is `undefined`. */
export const parseJson = (text: string): Either.Either<unknown, ClerkErrors.Failure> =>
  text.trim() === "" ? Either.right(undefined) : Either.mapLeft(
    decodeJson(text),
    () => ClerkErrors.requestBodyInvalid("the body is not valid JSON.")
  )

/** Validates a create body; an absent body counts as `{}` (the spec does not require one). */
export const decodeCreateBody = (body: unknown): Either.Either<CreateParams, ClerkErrors.Failure> => {
  const input = body === undefined ? {} : body
  if (!isObject(input)) return Either.left(ClerkErrors.requestBodyInvalid("expected a JSON object."))
  return Either.mapLeft(decodeCreate(input), (error) => ClerkErrors.unprocessable(formErrors(error, input, false)))
}

/** The most invitations one bulk call may carry. */
export const maxBulkSize = 10

/** Validates a bulk body: a JSON array of 1..10 create items, every item checked. */
export const decodeBulkBody = (
  body: unknown
): Either.Either<ReadonlyArray<CreateParams>, ClerkErrors.Failure> => {
  if (!Array.isArray(body)) return Either.left(ClerkErrors.requestBodyInvalid("expected a JSON array of invitations."))
  if (body.length > maxBulkSize) return Either.left(ClerkErrors.bulkSizeExceeded(maxBulkSize))
  if (body.length === 0) {
    return Either.left(ClerkErrors.unprocessable([
      ClerkErrors.paramValueInvalid("invitations", "The request must contain at least one invitation.")
    ]))
  }
  const items: Array<CreateParams> = []
  const errors: Array<ClerkErrors.ClerkError> = []
  for (const item of body) {
    if (!isObject(item)) return Either.left(ClerkErrors.requestBodyInvalid("every invitation must be a JSON object."))
    Either.match(decodeItem(item), {
      onLeft: (error) => errors.push(...formErrors(error, item, false)),
      onRight: (params) => items.push(params)
    })
  }
  return errors.length > 0 ? Either.left(ClerkErrors.unprocessable(errors)) : Either.right(items)
}

const Status = InvitationStatus
const OrderBy = Schema.Literal(
  ...OrderField.literals.flatMap((field) => [field, `+${field}`, `-${field}`] as const)
)

/** Query of `GET /invitations`; unknown parameters are ignored. */
export const ListQuery = Schema.Struct({
  status: exact(Schema.Union(Status, Schema.Array(Status))),
  query: exact(Schema.String),
  order_by: exact(OrderBy),
  limit: exact(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500))),
  offset: exact(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(0))),
  paginated: exact(Schema.BooleanFromString)
})

const decodeList = Schema.decodeUnknownEither(ListQuery, { errors: "all" })

/** Validates list query parameters given as repeated `[key, value]` pairs. */
export const decodeListQuery = (
  params: ReadonlyArray<readonly [string, string]>
): Either.Either<typeof ListQuery.Type, ClerkErrors.Failure> => {
  const grouped = new Map<string, string | Array<string>>()
  for (const [key, value] of params) {
    const previous = grouped.get(key)
    grouped.set(key, previous === undefined ? value : typeof previous === "string" ? [previous, value] : [...previous, value])
  }
  const input = Object.fromEntries(grouped)
  return Either.mapLeft(decodeList(input), (error) => ClerkErrors.unprocessable(formErrors(error, input, true)))
}
