/**
 * How the library's typed errors read on a terminal: one line each (`error: <message>`, the Clerk
 * trace id included where there is one), or one JSON object with `--json`; never a stack trace,
 * never the secret key. And which exit code each one means.
 */
import type { ClerkError } from "@effect-clerk/invitations"
import * as Predicate from "effect/Predicate"
import { Exit } from "./exit.js"

/** Any typed error of `@effect-clerk/invitations`. */
export type LibraryError = ClerkError.ClerkError

const libraryTags: ReadonlySet<string> = new Set<LibraryError["_tag"]>([
  "DuplicateEmail",
  "InvitationNotFound",
  "InvitationNotRevocable",
  "Unauthorized",
  "RateLimited",
  "InvalidRequest",
  "ClerkApiError",
  "ClerkRequestError"
])

/** Whether `u` is one of the library's typed errors. */
export const isLibraryError = (u: unknown): u is LibraryError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && libraryTags.has(u._tag) && u instanceof Error

/** The Clerk trace id an error carries, if any. */
export const traceId = (error: LibraryError): string | undefined =>
  "traceId" in error && typeof error.traceId === "string" ? error.traceId : undefined

/** The one readable line of an error, without the `error:` prefix; names the trace id once. */
export const message = (error: LibraryError): string => {
  const trace = traceId(error)
  const text = error.message.replace(/\s+/g, " ").trim()
  if (error._tag === "Unauthorized") {
    const hint = "check CLERK_SECRET_KEY or --secret-key"
    const withHint = text.includes("CLERK_SECRET_KEY") ? text : `${text}: ${hint}`
    return trace === undefined ? withHint : `${withHint} (Clerk trace ${trace})`
  }
  return trace === undefined || text.includes(trace) ? text : `${text} (Clerk trace ${trace})`
}

/** The exit code an error means: 2 when the input was invalid (nothing was sent), 1 otherwise. */
export const exitCode = (error: LibraryError): 1 | 2 => (error._tag === "InvalidRequest" ? 2 : 1)

/** The JSON form of an error (`--json`): its tag, message and trace id. */
export const toJson = (error: LibraryError): { readonly _tag: string; readonly message: string; readonly trace_id?: string } => {
  const trace = traceId(error)
  return trace === undefined ? { _tag: error._tag, message: message(error) } : { _tag: error._tag, message: message(error), trace_id: trace }
}

/** The line printed on stderr for a failure: `error: …`, or a JSON object with `--json`. */
export const line = (error: LibraryError, json: boolean): string =>
  json ? JSON.stringify({ error: toJson(error) }) : `error: ${message(error)}`

/** Turns a library error that ends a command into its `Exit`: code, line, tag and trace id. */
export const toExit = (error: LibraryError): Exit => {
  const trace = traceId(error)
  return trace === undefined
    ? new Exit({ code: exitCode(error), message: message(error), tag: error._tag })
    : new Exit({ code: exitCode(error), message: message(error), tag: error._tag, traceId: trace })
}

/** The line an `Exit` prints on stderr: `error: <message>`, or `{"error":{…}}` with `--json`. */
export const render = (exit: Exit, json: boolean): string => {
  if (!json) return `error: ${exit.message}`
  const error: Record<string, string | number> = { message: exit.message, exit_code: exit.code }
  if (exit.tag !== undefined) error["_tag"] = exit.tag
  if (exit.traceId !== undefined) error["trace_id"] = exit.traceId
  return JSON.stringify({ error })
}
