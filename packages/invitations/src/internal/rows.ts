/**
 * The importer's check of one row, done once as it is read: the encoding `Invitations.create`
 * applies (the plain check of `fastDecode.ts`, else the schema), and the same `InvalidRequest` format
 * (`Invalid create parameters: path: message; …`).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { InvalidRequest } from "../ClerkError.js"
import * as I from "../Invitation.js"
import { fastCreate } from "./fastDecode.js"
import { invalid } from "./invalid.js"

const encodeCreate = Schema.encodeUnknownEither(I.CreateParams, { errors: "all", onExcessProperty: "error" })

const invalidCreate = invalid("create")

/** Checks one row as `create` would encode it: nothing, or the `InvalidRequest` it would fail with. @internal */
export const checkRow = (params: unknown): InvalidRequest | undefined => {
  if (fastCreate(params) !== undefined) return undefined
  const encoded = encodeCreate(params)
  return Either.isLeft(encoded) ? invalidCreate(encoded.left) : undefined
}

/** The address a row names, for its outcome, even when the row is invalid. @internal */
export const emailOf = (params: unknown): string =>
  typeof params === "object" && params !== null && "emailAddress" in params && typeof params.emailAddress === "string"
    ? params.emailAddress
    : String(params)
