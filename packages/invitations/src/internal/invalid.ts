/**
 * How a parse error of an operation's parameters reads: one `InvalidRequest` whose message names
 * the operation and lists each problem as `path: message`. One definition, for `Invitations` and
 * the importer's row check.
 *
 * @internal
 */
import * as ParseResult from "effect/ParseResult"
import { InvalidRequest } from "../ClerkError.js"

/** Formats a parse error of `operation`'s parameters. @internal */
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
