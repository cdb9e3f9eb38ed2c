/**
 * How invitations are written on stdout: a table on a terminal, plain tab-separated lines in a
 * pipe, or, when asked, one JSON document (`--json`), one JSON object per line (`--ndjson`) or CSV
 * with a header row (`--csv`). The JSON forms are Clerk's own wire form (snake_case), so
 * `jq -r .id` works as it would on the API's answers.
 */
import { Invitation } from "@effect-clerk/invitations"
import * as Ansi from "@effect/printer-ansi/Ansi"
import * as AnsiDoc from "@effect/printer-ansi/AnsiDoc"
import * as Doc from "@effect/printer/Doc"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Exit } from "./exit.js"
import { usage } from "./exit.js"
import type { Service as GlobalsService } from "./globals.js"

/** The ways a command can write records on stdout. */
export type Format = "table" | "plain" | "json" | "ndjson" | "csv"

/** The per-command format flags (`--json` is global). */
export interface FormatFlags {
  readonly ndjson: boolean
  readonly csv: boolean
}

/**
 * Picks the format from the flags: at most one of `--json`, `--ndjson`, `--csv` (exit 2 otherwise);
 * without one, a table on a terminal and plain lines in a pipe.
 */
export const format = (globals: GlobalsService, flags: FormatFlags): Effect.Effect<Format, Exit> => {
  const chosen: Array<Format> = []
  if (globals.json) chosen.push("json")
  if (flags.ndjson) chosen.push("ndjson")
  if (flags.csv) chosen.push("csv")
  if (chosen.length > 1) return Effect.fail(usage(`choose one output format: ${chosen.map((f) => `--${f}`).join(", ")} were given together`))
  const [one] = chosen
  return Effect.succeed(one ?? (globals.tty.stdout ? "table" : "plain"))
}

const encodeInvitation = Schema.encodeSync(Invitation.InvitationFromJson)

/** An invitation in Clerk's wire form (snake_case JSON), as printed by `--json` and `--ndjson`. */
export const toWire = (invitation: Invitation.Invitation): Invitation.InvitationJson => encodeInvitation(invitation)

const iso = (dateTime: DateTime.Utc | undefined): string => (dateTime === undefined ? "" : DateTime.formatIso(dateTime))

/** The CSV columns, in order. */
export const csvHeader: ReadonlyArray<string> = [
  "id",
  "email_address",
  "status",
  "revoked",
  "created_at",
  "updated_at",
  "expires_at",
  "url",
  "public_metadata"
]

/** One invitation as the CSV columns (times in ISO 8601, metadata as JSON). */
export const csvRow = (invitation: Invitation.Invitation): ReadonlyArray<string> => [
  invitation.id,
  invitation.emailAddress,
  invitation.status,
  String(invitation.revoked),
  iso(invitation.createdAt),
  iso(invitation.updatedAt),
  iso(invitation.expiresAt),
  invitation.url ?? "",
  JSON.stringify(invitation.publicMetadata)
]

/**
 * One CSV field, RFC 4180: quoted when it holds a comma, a quote, CR or LF (quotes doubled), and
 * also when it starts with a space or tab so a reader keeps them; as is otherwise.
 */
export const csvField = (field: string): string =>
  /[",\r\n]|^[ \t]|[ \t]$/.test(field) ? `"${field.replace(/"/g, "\"\"")}"` : field

/** One CSV record (no line ending); a record of one empty field is written `""`, not as an empty line. */
export const csvLine = (fields: ReadonlyArray<string>): string =>
  fields.length === 1 && fields[0] === "" ? "\"\"" : fields.map(csvField).join(",")

// A server's strings reach a terminal: control characters (escape sequences, tabs, newlines) are
// shown as U+FFFD so they can neither steer the terminal nor break a line or a column.
const safe = (text: string): string => text.replace(/\p{Cc}/gu, "\uFFFD")

/** The columns of the table and of plain lines. */
const columns: ReadonlyArray<readonly [header: string, cell: (invitation: Invitation.Invitation) => string]> = [
  ["ID", (i) => i.id],
  ["EMAIL", (i) => i.emailAddress],
  ["STATUS", (i) => i.status],
  ["CREATED", (i) => iso(i.createdAt)],
  ["EXPIRES", (i) => iso(i.expiresAt)]
]

/** Plain form of one invitation: the table's cells separated by tabs, no header (for `cut` and `awk`). */
export const plainLine = (invitation: Invitation.Invitation): string => columns.map(([, cell]) => safe(cell(invitation))).join("\t")

/** A table with a header row, columns padded to their widest cell; the header in bold when `color`. */
export const table = (invitations: ReadonlyArray<Invitation.Invitation>, color: boolean): string => {
  const rows = invitations.map((invitation) => columns.map(([, cell]) => safe(cell(invitation))))
  const headers = columns.map(([header]) => header)
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]?.length ?? 0)))
  const render = (cells: ReadonlyArray<string>) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()
  const head = render(headers)
  const headLine = color ? AnsiDoc.render(Doc.annotate(Doc.text(head), Ansi.bold), { style: "pretty" }) : head
  return [headLine, ...rows.map(render)].join("\n")
}

/** Where a command writes its invitations: rows as they come (plain, NDJSON, CSV) or all at the end (table, JSON). */
export interface Sink {
  /** Writes (or keeps, for a table or one JSON document) some invitations. */
  readonly write: (invitations: ReadonlyArray<Invitation.Invitation>) => Effect.Effect<void>
  /** Ends the output: the table, or the JSON document with `extra` fields beside `data`. */
  readonly end: (extra?: Readonly<Record<string, unknown>>) => Effect.Effect<void>
}

/** A sink for `format` that prints on stdout (`Console.log`); `color` only bolds a table's header. */
export const sink = (fmt: Format, color: boolean): Effect.Effect<Sink> =>
  Effect.sync(() => {
    const kept: Array<Invitation.Invitation> = []
    let csvStarted = false
    const startCsv = Effect.suspend(() => {
      if (csvStarted) return Effect.void
      csvStarted = true
      return Console.log(csvLine(csvHeader))
    })
    const write = (invitations: ReadonlyArray<Invitation.Invitation>): Effect.Effect<void> => {
      switch (fmt) {
        case "table":
        case "json":
          return Effect.sync(() => void kept.push(...invitations))
        case "plain":
          return Effect.forEach(invitations, (i) => Console.log(plainLine(i)), { discard: true })
        case "ndjson":
          return Effect.forEach(invitations, (i) => Console.log(JSON.stringify(toWire(i))), { discard: true })
        case "csv":
          return Effect.zipRight(startCsv, Effect.forEach(invitations, (i) => Console.log(csvLine(csvRow(i))), { discard: true }))
      }
    }
    const end = (extra: Readonly<Record<string, unknown>> = {}): Effect.Effect<void> => {
      switch (fmt) {
        case "table":
          return kept.length === 0 ? Effect.void : Console.log(table(kept, color))
        case "json":
          return Console.log(JSON.stringify({ data: kept.map(toWire), ...extra }, null, 2))
        case "csv":
          return startCsv
        case "plain":
        case "ndjson":
          return Effect.void
      }
    }
    return { write, end }
  })
