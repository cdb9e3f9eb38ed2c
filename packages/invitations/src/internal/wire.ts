/**
 * Fast checks of Clerk's wire form, for the common case of a well-formed body. Each answers
 * `true` only for input that the structural schema in `Invitation.ts` accepts with default parse
 * options, and whose structural decoding is an exact copy; anything else (including every invalid
 * body) goes to the structural schema, which decides and reports the detailed issue. So a check
 * may be stricter than the schema (an unusual but valid body just takes the slow path), never
 * looser.
 *
 * @internal
 */
import type { ParseOptions } from "effect/SchemaAST"
import type { InvitationJson } from "../Invitation.js"

const hasOwn = Object.prototype.hasOwnProperty

/**
 * The same pattern as the `email` format of ajv-formats, which the official spec's
 * `format: email` is checked with: every address accepted here is one the spec accepts.
 *
 * @internal
 */
export const emailPattern =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i

/**
 * What `revoke` accepts as an invitation id: letters, digits, `_` and `-`, 1 to 128 of them, so
 * that nothing can change the request's path. The `RevokeId` schema and the fast check share it.
 *
 * @internal
 */
export const revokeIdPattern = /^[A-Za-z0-9_-]{1,128}$/

/** An id `RevokeId` accepts, checked without the schema interpreter. @internal */
export const isRevokeId = (u: unknown): u is string => typeof u === "string" && revokeIdPattern.test(u)

/** Only the default options (first error, excess properties ignored, not exact) take the fast path. @internal */
export const defaultOptions = (options: ParseOptions | undefined): boolean =>
  options === undefined ||
  ((options.onExcessProperty === undefined || options.onExcessProperty === "ignore") && options.exact !== true)

/** A plain JSON object: not null, not an array. @internal */
export const isObject = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const isStatus = (u: unknown): boolean => u === "pending" || u === "revoked" || u === "accepted" || u === "expired"

/**
 * `public_metadata`: an object whose keys are copied as they are. A `__proto__` key is left to
 * the structural schema, which assigns keys one by one.
 */
const isMetadata = (u: unknown): boolean => isObject(u) && !hasOwn.call(u, "__proto__")

/** A present optional field: absent, or present with a value of the right type. */
const optional = (json: { readonly [key: string]: unknown }, key: string, check: (u: unknown) => boolean): boolean =>
  !hasOwn.call(json, key) || check(json[key])

const isStringOrNull = (u: unknown): boolean => u === null || typeof u === "string"
const isBooleanOrNull = (u: unknown): boolean => u === null || typeof u === "boolean"
/** The largest distance from the epoch a `Date` holds, in milliseconds. @internal */
export const maxEpochMillis = 8.64e15

const isMillis = (u: unknown): boolean => typeof u === "number" && u >= -maxEpochMillis && u <= maxEpochMillis
const isMillisOrNull = (u: unknown): boolean => u === null || isMillis(u)

/**
 * The wire `Invitation` (`object`, `id`, `email_address`, `public_metadata`, `status`,
 * `created_at`, `updated_at` required; `revoked`, `url`, `expires_at` optional, each also as
 * `null`). Times must be epoch milliseconds a `Date` can hold.
 *
 * @internal
 */
export const isInvitationJson = (u: unknown): u is InvitationJson => {
  if (!isObject(u)) return false
  return u["object"] === "invitation" &&
    typeof u["id"] === "string" &&
    typeof u["email_address"] === "string" &&
    isMetadata(u["public_metadata"]) &&
    isStatus(u["status"]) &&
    isMillis(u["created_at"]) &&
    isMillis(u["updated_at"]) &&
    optional(u, "revoked", isBooleanOrNull) &&
    optional(u, "url", isStringOrNull) &&
    optional(u, "expires_at", isMillisOrNull)
}

/** A non-negative safe integer, as `Schema.NonNegativeInt` accepts. @internal */
export const isNonNegativeInt = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0
