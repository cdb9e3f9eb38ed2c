/**
 * The importer's check of one row, done once as it is read: the encoding `Invitations.create`
 * applies (the plain check of `fastDecode.ts`, else the schema), and the same `InvalidRequest` format
 * (`Invalid create parameters: path: message; …`).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidRequest } from "../ClerkError.js"
import * as I from "../Invitation.js"
import { fastCreate } from "./fastDecode.js"

const encodeCreate = Schema.encodeUnknownEither(I.CreateParams, { errors: "all", onExcessProperty: "error" })

/** Formats a parse error as `Invitations` does for `operation`. @internal */
export const invalid = (operation: string) => (error: ParseResult.ParseError): InvalidRequest => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: issue.path.map(String),
    message: issue.message
  }))
  // An optional field is a union with `undefined`: its "Expected undefined" branch says nothing.
  const key = (path: ReadonlyArray<string>) => path.join(".")
  const issues = all.filter((issue) =>
    !issue.message.startsWith("Expected undefined") ||
    !all.some((other) => other !== issue && key(other.path) === key(issue.path))
  )
  const lines = issues.map((issue) => issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`)
  return new InvalidRequest({ message: `Invalid ${operation} parameters: ${lines.join("; ")}`, issues })
}

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
