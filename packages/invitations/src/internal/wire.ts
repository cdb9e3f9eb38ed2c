/**
 * Constants of Clerk's wire form that the schemas in `Invitation.ts` and the fast checks in
 * `fastDecode.ts` share, so that the two can never disagree on them.
 *
 * @internal
 */

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

/** The largest distance from the epoch a `Date` holds, in milliseconds. @internal */
export const maxEpochMillis = 8.64e15
