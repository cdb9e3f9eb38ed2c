/**
 * Clerk's error catalog for the invitation endpoints (clerk-api.md §6) and the one way the
 * emulator answers: JSON with `Content-Type: application/json` exactly, errors as
 * `{ errors, clerk_trace_id }` plus a `Clerk-Trace-Id` header.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import { traceId } from "./model.js"

/** One entry of Clerk's `errors` array. */
export interface ClerkError {
  readonly message: string
  readonly long_message: string
  readonly code: string
  readonly meta?: Readonly<Record<string, unknown>>
}

/** A failed answer before it gets its trace id. */
export interface Failure {
  readonly status: number
  readonly errors: ReadonlyArray<ClerkError>
  readonly headers?: Readonly<Record<string, string>>
}

/** An answer before it becomes a response: status, JSON body, extra headers. */
export interface Answer {
  readonly status: number
  readonly body: unknown
  readonly headers: Readonly<Record<string, string>>
}

/** A JSON answer with no extra headers. */
export const ok = (body: unknown, status = 200): Answer => ({ status, body, headers: {} })

/** The response of an answer; `unsafeJson` sets `Content-Type: application/json` with no charset. */
export const toResponse = (answer: Answer): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(answer.body, { status: answer.status, headers: answer.headers })

/** Answers a failure in Clerk's error shape with a fresh trace id. */
export const respond = (failure: Failure): Effect.Effect<Answer> =>
  Effect.map(traceId, (id) => ({
    status: failure.status,
    body: { errors: failure.errors, clerk_trace_id: id },
    headers: { ...failure.headers, "clerk-trace-id": id }
  }))

const one = (status: number, error: ClerkError, headers?: Readonly<Record<string, string>>): Failure =>
  headers === undefined ? { status, errors: [error] } : { status, errors: [error], headers }

/** 401: no usable credentials. */
export const authenticationInvalid = one(401, {
  message: "Invalid authentication",
  long_message: "Unable to authenticate the request, you need to supply an active session",
  code: "authentication_invalid"
})

/** 401: an `Authorization` header that is not `Bearer <key>`. */
export const authorizationHeaderFormatInvalid = one(401, {
  message: "Invalid Authorization header format",
  long_message: "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
  code: "authorization_header_format_invalid"
})

const keyInvalid = "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct."

/** 401: a well-formed secret key this instance does not know. */
export const clerkKeyInvalid = one(401, { message: keyInvalid, long_message: keyInvalid, code: "clerk_key_invalid" })

/** 404 for a path or method the emulator does not serve. */
export const routeNotFound = one(404, {
  message: "not found",
  long_message: "The requested resource was not found.",
  code: "resource_not_found"
})

/** 404 on revoke of an unknown id. */
export const invitationNotFound = (id: string) =>
  one(404, { message: "not found", long_message: `No invitation was found with id ${id}.`, code: "resource_not_found" })

const same = (code: string, message: string) => one(400, { message, long_message: message, code })

/** 400: revoke of a revoked invitation. */
export const alreadyRevoked = same("invitation_already_revoked", "Invitation is already revoked.")

/** 400: revoke of an accepted invitation. */
export const alreadyAccepted = same(
  "invitation_already_accepted",
  "Invitation is already accepted, try signing in instead."
)

/** 422 `form_param_unknown`. */
export const paramUnknown = (param: string): ClerkError => ({
  message: "is unknown",
  long_message: `${param} is not a valid parameter for this request.`,
  code: "form_param_unknown",
  meta: { param_name: param }
})

/** 422 `form_param_missing`. */
export const paramMissing = (param: string): ClerkError => ({
  message: "is missing",
  long_message: `${param} must be included.`,
  code: "form_param_missing",
  meta: { param_name: param }
})

/** 422 `form_param_format_invalid` (an address that is not an email address). */
export const paramFormatInvalid = (param: string): ClerkError => ({
  message: "is invalid",
  long_message: `${param} must be a valid email address.`,
  code: "form_param_format_invalid",
  meta: { param_name: param }
})

/** 422 `form_param_value_invalid`: wrong JSON type, enum or range violation. */
export const paramValueInvalid = (param: string, longMessage: string): ClerkError => ({
  message: "is invalid",
  long_message: longMessage,
  code: "form_param_value_invalid",
  meta: { param_name: param }
})

/** Several 422 form errors in one answer. */
export const unprocessable = (errors: ReadonlyArray<ClerkError>): Failure => ({ status: 422, errors })

/** 400 `duplicate_record`: pending invitations exist for these addresses. */
export const duplicateInvitations = (emails: ReadonlyArray<string>) =>
  one(400, {
    message: emails.length > 1 ? "duplicate invitations" : "duplicate invitation",
    long_message: `There are already pending invitations for the following email addresses: ${emails.join(", ")}`,
    code: "duplicate_record",
    meta: { email_addresses: emails }
  })

/** 422 `form_identifier_exists`: users own these addresses (one entry per address). */
export const identifierExists = (emails: ReadonlyArray<string>): Failure =>
  unprocessable(emails.map(() => ({
    message: "That email address is taken. Please try another.",
    long_message: "That email address is taken. Please try another.",
    code: "form_identifier_exists",
    meta: { param_name: "email_address" }
  })))

/** 429 with `Retry-After` in whole seconds. */
export const tooManyRequests = (retryAfterSeconds: number) =>
  one(429, {
    message: "Too many requests",
    long_message: "Too many requests, retry later",
    code: "too_many_requests"
  }, { "retry-after": String(retryAfterSeconds) })

/** 400 `api_version_invalid`. */
export const apiVersionInvalid = (reason: string) =>
  one(400, { message: "invalid API version", long_message: `Invalid Clerk API version: ${reason}`, code: "api_version_invalid" })

/** 400: a body that is not JSON. */
export const requestBodyInvalid = (reason: string) =>
  one(400, { message: "Request body invalid", long_message: `Request body invalid: ${reason}`, code: "request_body_invalid" })

/** 415: a body that is not declared `application/json`. */
export const unsupportedContentType = (contentType: string) =>
  one(415, {
    message: "Unsupported content type",
    long_message: `Content type ${contentType} is not supported, use application/json.`,
    code: "unsupported_content_type"
  })

/** 413: a body over the configured limit. */
export const requestBodyTooLarge = (maxBytes: number) =>
  one(413, {
    message: "Request body too large",
    long_message: `The request body exceeds the maximum allowed size of ${maxBytes} bytes.`,
    code: "request_body_too_large"
  })

/** 400 `bulk_size_exceeded`. */
export const bulkSizeExceeded = (max: number) =>
  same("bulk_size_exceeded", `Parameters exceed the maximum allowed bulk processing size of ${max}.`)

/** The default body of an injected status fault. */
export const injected = (status: number, code: string | undefined) =>
  status === 429 && code === undefined
    ? tooManyRequests(0).errors
    : [{
      message: "Oops, an unexpected error occurred",
      long_message: "There was an internal error on our servers. We've been notified and are working on fixing it.",
      code: code ?? "internal_clerk_error"
    }]
