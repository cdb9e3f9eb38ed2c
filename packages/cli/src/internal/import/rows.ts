/**
 * The rows of an import file, one at a time and in order: CSV (csv-parse, streaming, with the line
 * each record starts on) or NDJSON. Each row is either the params of one invitation, a row that
 * cannot be sent and why (in words), or an empty line. Only a file that cannot be read at all, or
 * a header without an email column, fails the stream.
 */
import { Invitation } from "@effect-clerk/invitations"
import type { CsvError } from "csv-parse"
import { parse } from "csv-parse"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as Readline from "node:readline"

/** One row of the input. */
export type Row = Data.TaggedEnum<{
  /** A valid invitation. */
  Params: { readonly line: number; readonly emailAddress: string; readonly params: Invitation.CreateParams }
  /** A row that cannot be sent, and why. */
  Invalid: { readonly line: number; readonly emailAddress: string; readonly reason: string }
  /** An empty line. */
  Empty: { readonly line: number }
}>

/** Constructors of `Row`. */
export const Row = Data.taggedEnum<Row>()

/** The input cannot be read as an import at all (exit 2): no such file, no email column... */
export class InputError extends Data.TaggedError("InputError")<{ readonly message: string }> {}

/** The formats `import` reads. */
export type Format = "csv" | "ndjson"

/** How rows become invitations. */
export interface Options {
  readonly format: Format
  /** The column holding the address; default `email` or `email_address`. */
  readonly emailColumn?: string | undefined
  /** Columns copied into `public_metadata`; default every column not otherwise used. */
  readonly metadataColumns?: ReadonlyArray<string> | undefined
  /** Applied to every row (a row's own `redirect_url` / `expires_in_days` wins). */
  readonly defaults: {
    readonly redirectUrl?: string | undefined
    readonly expiresInDays?: number | undefined
    readonly notify?: boolean | undefined
    readonly ignoreExisting?: boolean | undefined
    readonly templateSlug?: "invitation" | "waitlist_invitation" | undefined
  }
}

/** The format a path implies: `.ndjson` / `.jsonl` are NDJSON, anything else CSV. */
export const formatOf = (path: string): Format => /\.(ndjson|jsonl)$/i.test(path) ? "ndjson" : "csv"

const validate = Schema.validateEither(Schema.typeSchema(Invitation.CreateParams), {
  errors: "all",
  onExcessProperty: "error"
})

const words = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ` : "") + issue.message)
    .join("; ")

const normalize = (name: string) => name.trim().toLowerCase()

const known = new Set(["redirect_url", "expires_in_days"])

/** Builds one row from named values; the checks are the library's own (`Invitation.CreateParams`). */
const toRow = (
  line: number,
  emailAddress: string,
  fields: { readonly redirectUrl?: unknown; readonly expiresInDays?: unknown; readonly metadata: Record<string, unknown> },
  options: Options
): Row => {
  if (emailAddress.length === 0) return Row.Invalid({ line, emailAddress, reason: "no email address" })
  let expiresInDays: number | undefined = options.defaults.expiresInDays
  const rawDays = fields.expiresInDays
  if (rawDays !== undefined && rawDays !== "" && rawDays !== null) {
    const days = typeof rawDays === "number" ? rawDays : /^\s*-?\d+\s*$/.test(String(rawDays)) ? Number(rawDays) : Number.NaN
    if (!Number.isInteger(days)) {
      return Row.Invalid({ line, emailAddress, reason: `expires_in_days ${JSON.stringify(rawDays)} is not a whole number of days` })
    }
    expiresInDays = days
  }
  let redirectUrl: string | undefined = options.defaults.redirectUrl
  if (typeof fields.redirectUrl === "string" && fields.redirectUrl.length > 0) redirectUrl = fields.redirectUrl
  else if (fields.redirectUrl !== undefined && fields.redirectUrl !== null && fields.redirectUrl !== "") {
    return Row.Invalid({ line, emailAddress, reason: "redirect_url is not text" })
  }
  const params: Invitation.CreateParams = {
    emailAddress,
    ...(Object.keys(fields.metadata).length > 0 ? { publicMetadata: fields.metadata } : {}),
    ...(redirectUrl !== undefined ? { redirectUrl } : {}),
    ...(expiresInDays !== undefined ? { expiresInDays } : {}),
    ...(options.defaults.notify !== undefined ? { notify: options.defaults.notify } : {}),
    ...(options.defaults.ignoreExisting !== undefined ? { ignoreExisting: options.defaults.ignoreExisting } : {}),
    ...(options.defaults.templateSlug !== undefined ? { templateSlug: options.defaults.templateSlug } : {})
  }
  const valid = validate(params)
  return Either.isLeft(valid)
    ? Row.Invalid({ line, emailAddress, reason: words(valid.left) })
    : Row.Params({ line, emailAddress, params: valid.right })
}

const newlines = /\r\n|\n|\r/g

/** The line a record starts on: csv-parse counts the line it ends on. */
const startLine = (endLine: number, raw: string | undefined) => {
  const body = (raw ?? "").replace(/(\r\n|\n|\r)$/, "")
  return endLine - (body.match(newlines)?.length ?? 0)
}

interface Header {
  readonly size: number
  readonly email: number
  readonly redirectUrl: number
  readonly expiresInDays: number
  readonly metadata: ReadonlyArray<readonly [string, number]>
}

const header = (names: ReadonlyArray<string>, options: Options): Either.Either<Header, string> => {
  const index = (name: string) => names.findIndex((n) => normalize(n) === normalize(name))
  const listed = `the header has ${names.map((n) => JSON.stringify(n)).join(", ")}`
  const email = options.emailColumn !== undefined
    ? index(options.emailColumn)
    : [index("email"), index("email_address")].find((i) => i >= 0) ?? -1
  if (email < 0) {
    return Either.left(
      options.emailColumn !== undefined
        ? `no column ${JSON.stringify(options.emailColumn)}: ${listed}`
        : `no email column (email or email_address): ${listed}; name it with --email-column`
    )
  }
  const metadata: Array<readonly [string, number]> = []
  if (options.metadataColumns !== undefined) {
    for (const name of options.metadataColumns) {
      const i = index(name)
      if (i < 0) return Either.left(`--metadata-columns: no column ${JSON.stringify(name)}: ${listed}`)
      metadata.push([names[i]?.trim() ?? name, i])
    }
  } else {
    names.forEach((name, i) => {
      if (i !== email && !known.has(normalize(name)) && name.trim().length > 0) metadata.push([name.trim(), i])
    })
  }
  return Either.right({
    size: names.length,
    email,
    redirectUrl: index("redirect_url"),
    expiresInDays: index("expires_in_days"),
    metadata
  })
}

interface Parsed {
  readonly record: Array<string>
  readonly info: { readonly lines: number }
  readonly raw: string
}

const isParsed = (value: unknown): value is Parsed =>
  typeof value === "object" && value !== null && "record" in value && Array.isArray(value.record) && "info" in value

const csvRows = (path: string, options: Options): Stream.Stream<Row, InputError> =>
  Stream.suspend(() => {
    // Records csv-parse had to skip (a broken quote), reported in order with the next record.
    const skipped: Array<Row> = []
    const parser = NodeFs.createReadStream(path).pipe(parse({
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      record_delimiter: ["\r\n", "\n", "\r"],
      skip_records_with_error: true,
      on_skip: (error: CsvError | undefined, raw: string | undefined) => {
        const at: unknown = error?.lines
        const line = startLine(typeof at === "number" ? at : 0, raw)
        skipped.push(Row.Invalid({ line, emailAddress: "", reason: `not readable as CSV (${error?.message ?? "broken record"})` }))
        return undefined
      }
    }))
    let head: Header | undefined
    return Stream.fromAsyncIterable<unknown, InputError>(parser, (cause) => new InputError({ message: `cannot read ${path}: ${String(cause)}` })).pipe(
      Stream.mapConcatEffect((value): Effect.Effect<ReadonlyArray<Row>, InputError> => {
        const before = skipped.splice(0)
        if (!isParsed(value)) return Effect.succeed(before)
        const line = startLine(value.info.lines, value.raw)
        const record = value.record
        if (head === undefined) {
          if (record.length === 1 && record[0] === "") return Effect.succeed([...before, Row.Empty({ line })])
          const parsed = header(record, options)
          if (Either.isLeft(parsed)) return new InputError({ message: `${path} line ${line}: ${parsed.left}` })
          head = parsed.right
          return Effect.succeed(before)
        }
        if (record.length === 1 && record[0]?.trim() === "") return Effect.succeed([...before, Row.Empty({ line })])
        const h = head
        const emailAddress = (record[h.email] ?? "").trim()
        if (record.length !== h.size) {
          return Effect.succeed([
            ...before,
            Row.Invalid({ line, emailAddress, reason: `${record.length} fields where the header has ${h.size}` })
          ])
        }
        const metadata: Record<string, unknown> = {}
        for (const [name, i] of h.metadata) {
          const value = record[i]
          if (value !== undefined && value !== "") metadata[name] = value
        }
        return Effect.succeed([...before, toRow(line, emailAddress, {
          redirectUrl: h.redirectUrl >= 0 ? record[h.redirectUrl]?.trim() : undefined,
          expiresInDays: h.expiresInDays >= 0 ? record[h.expiresInDays] : undefined,
          metadata
        }, options)])
      }),
      Stream.concat(Stream.suspend(() => Stream.fromIterable(skipped.splice(0)))),
      Stream.concat(Stream.suspend(() =>
        head === undefined
          ? Stream.fail(new InputError({ message: `${path} has no header row` }))
          : Stream.empty
      ))
    )
  })

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const ndjsonRow = (line: number, text: string, options: Options): Row => {
  if (text.trim().length === 0) return Row.Empty({ line })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return Row.Invalid({ line, emailAddress: "", reason: "not a JSON object" })
  }
  if (!isRecord(value)) return Row.Invalid({ line, emailAddress: "", reason: "not a JSON object" })
  const emailKey = options.emailColumn ?? ["email_address", "email", "emailAddress"].find((k) => k in value) ?? "email"
  const rawEmail = value[emailKey]
  if (typeof rawEmail !== "string") {
    return Row.Invalid({ line, emailAddress: "", reason: `no ${JSON.stringify(emailKey)} text field` })
  }
  const used = new Set([emailKey, "email_address", "email", "emailAddress", "redirect_url", "expires_in_days", "public_metadata"])
  const base = isRecord(value.public_metadata) ? value.public_metadata : {}
  const metadata: Record<string, unknown> = {}
  if (options.metadataColumns !== undefined) {
    for (const name of options.metadataColumns) if (name in value) metadata[name] = value[name]
  } else {
    Object.assign(metadata, base)
    for (const [k, v] of Object.entries(value)) if (!used.has(k)) metadata[k] = v
  }
  return toRow(line, rawEmail.trim(), {
    redirectUrl: value.redirect_url,
    expiresInDays: value.expires_in_days,
    metadata
  }, options)
}

const ndjsonRows = (path: string, options: Options): Stream.Stream<Row, InputError> =>
  Stream.suspend(() => {
    const lines = Readline.createInterface({ input: NodeFs.createReadStream(path), crlfDelay: Infinity })
    let line = 0
    return Stream.fromAsyncIterable(lines, (cause) => new InputError({ message: `cannot read ${path}: ${String(cause)}` })).pipe(
      Stream.map((text) => ndjsonRow(++line, line === 1 ? text.replace(/^\uFEFF/, "") : text, options)),
      Stream.ensuring(Effect.sync(() => lines.close()))
    )
  })

/** The rows of the file at `path`, in order, each with the line it starts on. */
export const rows = (path: string, options: Options): Stream.Stream<Row, InputError> =>
  options.format === "ndjson" ? ndjsonRows(path, options) : csvRows(path, options)
