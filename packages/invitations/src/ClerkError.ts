/**
 * The typed errors of the client, one `Schema.TaggedError` per failure a caller can handle, and
 * the one place where Clerk's `(status, code)` pairs become those tags.
 *
 * None of them keeps the platform's request or response: those hold the `Authorization` header,
 * which would be printed in full if the error were serialized or inspected outside a fiber.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { nothingSent } from "./internal/sent.js"

/**
 * One entry of Clerk's `errors` array, camelCase (`long_message` becomes `longMessage`).
 *
 * @since 0.1.0
 * @category models
 */
export const ClerkErrorDetail = Schema.Struct({
  code: Schema.String,
  message: Schema.String,
  longMessage: Schema.optionalWith(Schema.String, { exact: true }).pipe(Schema.fromKey("long_message")),
  meta: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), { exact: true })
})

/**
 * One entry of Clerk's `errors` array.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClerkErrorDetail extends Schema.Simplify<typeof ClerkErrorDetail.Type> {}

/**
 * Clerk's error body (`ClerkErrors` in the spec): `{ errors, meta?, clerk_trace_id? }`.
 *
 * @since 0.1.0
 * @category wire
 */
export const ClerkErrorsJson = Schema.Struct({
  errors: Schema.Array(ClerkErrorDetail),
  traceId: Schema.optionalWith(Schema.String, { exact: true }).pipe(Schema.fromKey("clerk_trace_id"))
})

/**
 * A decoded Clerk error body.
 *
 * @since 0.1.0
 * @category wire
 */
export interface ClerkErrorsJson extends Schema.Simplify<typeof ClerkErrorsJson.Type> {}

const traceSuffix = (traceId: string | undefined) => (traceId === undefined ? "" : ` (Clerk trace ${traceId})`)

/**
 * An invitation could not be created because the email address is taken: an invitation for it is
 * already pending (`400 duplicate_record`), or a user already has it (`422 form_identifier_exists`).
 * After an ambiguous failure the client checks for its own invitation first, so this means an
 * invitation exists that the call cannot show it made: it existed before the call, or another
 * caller made it meanwhile.
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateEmail extends Schema.TaggedError<DuplicateEmail>()("DuplicateEmail", {
  emailAddresses: Schema.Array(Schema.String),
  reason: Schema.Literal("InvitationPending", "UserExists"),
  traceId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const why = this.reason === "UserExists"
      ? "a user already has this email address"
      : "an invitation is already pending (set ignoreExisting to send another)"
    return `Cannot invite ${this.emailAddresses.join(", ")}: ${why}${traceSuffix(this.traceId)}`
  }
}

/**
 * No invitation has the id given to `revoke` (`404`).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvitationNotFound extends Schema.TaggedError<InvitationNotFound>()("InvitationNotFound", {
  invitationId: Schema.String,
  traceId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return `No invitation was found with id ${this.invitationId}${traceSuffix(this.traceId)}`
  }
}

/**
 * The invitation cannot be revoked: it already is, or it was accepted (`400`).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvitationNotRevocable extends Schema.TaggedError<InvitationNotRevocable>()("InvitationNotRevocable", {
  invitationId: Schema.String,
  reason: Schema.Literal("AlreadyRevoked", "AlreadyAccepted"),
  traceId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const why = this.reason === "AlreadyAccepted" ? "it was already accepted" : "it is already revoked"
    return `Cannot revoke invitation ${this.invitationId}: ${why}${traceSuffix(this.traceId)}`
  }
}

/**
 * Clerk refused the secret key (`401`, any code) or the request (`403`). Check `CLERK_SECRET_KEY`.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  status: Schema.Number,
  code: Schema.String,
  message: Schema.String,
  traceId: Schema.optional(Schema.String)
}) {}

/**
 * Clerk's rate limit was hit (`429`) and the retries gave up, or its `Retry-After` lies beyond the
 * wait budget. `retryAfter` says how long Clerk asked to wait. When Clerk's answer carried no
 * readable `Retry-After` (none, or garbage such as `-5` or `1e12`), the wait is unknown:
 * `retryAfterKnown` is `false` and `retryAfter` is only the client's guess, `defaultRetryAfter`.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfter: Schema.DurationFromSelf,
  retryAfterKnown: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  traceId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return this.retryAfterKnown
      ? `Clerk's rate limit was reached: retry after ${Duration.format(this.retryAfter)}${traceSuffix(this.traceId)}`
      : `Clerk's rate limit was reached; it said no readable Retry-After, so the wait is unknown (${
        Duration.format(this.retryAfter)
      } is a guess)${traceSuffix(this.traceId)}`
  }
}

/**
 * The parameters failed validation; no request was sent. `issues` lists each problem with its path.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
  issues: Schema.Array(Schema.Struct({ path: Schema.Array(Schema.String), message: Schema.String }))
}) {}

/**
 * Any other answer from Clerk: a non-2xx status not covered by another tag (`422` parameter
 * errors, `5xx` after retries, unknown codes), or a 2xx body that breaks the contract (then
 * `errors` describes the decoding failure under the code `unexpected_response`).
 *
 * @since 0.1.0
 * @category errors
 */
export class ClerkApiError extends Schema.TaggedError<ClerkApiError>()("ClerkApiError", {
  status: Schema.Number,
  errors: Schema.Array(ClerkErrorDetail),
  traceId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const first = this.errors[0]
    const what = first === undefined
      ? "no error details"
      : `${first.code}: ${first.longMessage ?? first.message}`
    const more = this.errors.length > 1 ? ` (and ${this.errors.length - 1} more)` : ""
    return `Clerk answered ${this.status}, ${what}${more}${traceSuffix(this.traceId)}`
  }
}

/**
 * Clerk could not be reached or did not answer in time (after retries): `reason` says which, and
 * `cause` keeps the underlying error (never the request, which carries the secret). The message
 * says "outcome unknown" only when the request may have reached Clerk: not for `InvalidUrl` or
 * `Encode` (nothing was sent), nor for a connection that was never made (refused, unknown host).
 *
 * @since 0.1.0
 * @category errors
 */
export class ClerkRequestError extends Schema.TaggedError<ClerkRequestError>()("ClerkRequestError", {
  reason: Schema.Literal("Transport", "Timeout", "InvalidUrl", "Encode"),
  method: Schema.String,
  path: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    const what = this.reason === "Timeout" ? "timed out" : this.reason === "Transport" ? "failed in transport" : `failed (${this.reason})`
    const detail = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    const outcome = this.reason === "InvalidUrl" || this.reason === "Encode"
      ? "Nothing was sent."
      : this.reason === "Transport" && nothingSent(this.cause)
      ? "Nothing was sent: the connection was never made."
      : "The outcome is unknown if the request was sent."
    return `${this.method} ${this.path} ${what}${detail}. ${outcome}`
  }
}

/**
 * Every error the client can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type ClerkError =
  | DuplicateEmail
  | InvitationNotFound
  | InvitationNotRevocable
  | Unauthorized
  | RateLimited
  | InvalidRequest
  | ClerkApiError
  | ClerkRequestError

/**
 * The failures every operation shares once a request is sent.
 *
 * @since 0.1.0
 * @category errors
 */
export type CommonError = Unauthorized | RateLimited | ClerkApiError | ClerkRequestError

/**
 * What a failed response said, as the mapping needs it: the HTTP status, Clerk's body (empty
 * `errors` when it was unreadable) and the `Retry-After` delay if one was sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailedResponse {
  readonly status: number
  readonly body: ClerkErrorsJson
  readonly retryAfter: Option.Option<Duration.Duration>
}

/**
 * The delay assumed when a 429 carries no usable `Retry-After` (Clerk always sends one; a proxy
 * may strip it).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRetryAfter: Duration.Duration = Duration.minutes(1)

/**
 * Maps a failed response of any operation: 401/403 become `Unauthorized`, 429 `RateLimited`,
 * everything else `ClerkApiError`.
 *
 * @since 0.1.0
 * @category mapping
 */
export const fromResponse = (response: FailedResponse): CommonError => {
  const { body, status } = response
  const first = body.errors[0]
  if (status === 401 || status === 403) {
    return new Unauthorized({
      status,
      code: first?.code ?? (status === 401 ? "authentication_invalid" : "authorization_invalid"),
      message: first === undefined
        ? `Clerk refused the request (${status}): check CLERK_SECRET_KEY`
        : `${first.longMessage ?? first.message} (${first.code})`,
      traceId: body.traceId
    })
  }
  if (status === 429) {
    return new RateLimited({
      retryAfter: Option.getOrElse(response.retryAfter, () => defaultRetryAfter),
      retryAfterKnown: Option.isSome(response.retryAfter),
      traceId: body.traceId
    })
  }
  return new ClerkApiError({ status, errors: body.errors, traceId: body.traceId })
}

const emailsFromMeta = (detail: ClerkErrorDetail | undefined): ReadonlyArray<string> | undefined => {
  const emails = detail?.meta?.["email_addresses"]
  return Array.isArray(emails) && emails.length > 0 && emails.every((e) => typeof e === "string")
    ? emails.filter((e): e is string => typeof e === "string")
    : undefined
}

/**
 * Maps a failed `create` or `createBulk`: `400 duplicate_record` and `422 form_identifier_exists`
 * become `DuplicateEmail` (emails from `meta.email_addresses`, else the request's), the rest as
 * `fromResponse`.
 *
 * @since 0.1.0
 * @category mapping
 */
export const fromCreateResponse = (
  response: FailedResponse,
  requested: ReadonlyArray<string>
): DuplicateEmail | CommonError => {
  const first = response.body.errors[0]
  const duplicate = (reason: "InvitationPending" | "UserExists") =>
    new DuplicateEmail({
      emailAddresses: emailsFromMeta(first) ?? requested,
      reason,
      traceId: response.body.traceId
    })
  if (response.status === 400 && first?.code === "duplicate_record") return duplicate("InvitationPending")
  if (response.status === 422 && first?.code === "form_identifier_exists") return duplicate("UserExists")
  return fromResponse(response)
}

/**
 * Maps a failed `revoke`: `404` becomes `InvitationNotFound`, `400 invitation_already_revoked` and
 * `invitation_already_accepted` become `InvitationNotRevocable`, the rest as `fromResponse`.
 *
 * @since 0.1.0
 * @category mapping
 */
export const fromRevokeResponse = (
  response: FailedResponse,
  invitationId: string
): InvitationNotFound | InvitationNotRevocable | CommonError => {
  const code = response.body.errors[0]?.code
  const traceId = response.body.traceId
  if (response.status === 404) return new InvitationNotFound({ invitationId, traceId })
  if (response.status === 400 && code === "invitation_already_revoked") {
    return new InvitationNotRevocable({ invitationId, reason: "AlreadyRevoked", traceId })
  }
  if (response.status === 400 && code === "invitation_already_accepted") {
    return new InvitationNotRevocable({ invitationId, reason: "AlreadyAccepted", traceId })
  }
  return fromResponse(response)
}
