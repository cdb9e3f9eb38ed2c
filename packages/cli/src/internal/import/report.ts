/**
 * The report of an import: every row that was not invited, with its line, address, outcome and
 * the reason in words, as CSV (by default) or NDJSON (`.ndjson` / `.jsonl`).
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Exit from "../exit.js"
import type * as Journal from "./journal.js"

const csvField = (value: string) => /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value

/** One report row as a CSV line. */
export const csvLine = (entry: Journal.Entry): string =>
  [String(entry.line), entry.email, entry.outcome, entry.reason ?? "", entry.trace_id ?? ""].map(csvField).join(",") + "\n"

/** One report row as an NDJSON line. */
export const ndjsonLine = (entry: Journal.Entry): string =>
  JSON.stringify({
    line: entry.line,
    email: entry.email,
    outcome: entry.outcome,
    reason: entry.reason ?? "",
    ...(entry.trace_id !== undefined ? { trace_id: entry.trace_id } : {})
  }) + "\n"

/** Writes `entries` to `file`, in the format its name says. */
export const write = (
  file: string,
  entries: Iterable<Journal.Entry>
): Effect.Effect<void, Exit.Exit, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const ndjson = /\.(ndjson|jsonl)$/i.test(file)
    const parts: Array<string> = ndjson ? [] : ["line,email,outcome,reason,trace_id\n"]
    for (const entry of entries) parts.push(ndjson ? ndjsonLine(entry) : csvLine(entry))
    yield* fs.writeFileString(file, parts.join("")).pipe(
      Effect.mapError((error) => Exit.partial(`cannot write the report ${file}: ${error.message}`))
    )
  })
