/**
 * The import's input and quotas, alone: CSV rows keep the line they start on and their values
 * through quoting, BOMs, line endings and empty lines; `--quotas` parses and estimates.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as Quotas from "../src/internal/import/quotas.js"
import * as Rows from "../src/internal/import/rows.js"
import { scratch } from "./importUtils.js"

const quote = (value: string) => `"${value.replace(/"/g, '""')}"`

const value = FastCheck.string({
  unit: FastCheck.constantFrom("a", "b", "Z", " ", ",", "\"", "\n", "é", ";", "'"),
  minLength: 1,
  maxLength: 12
}).filter((s) => s.trim().length > 0)

const layout = FastCheck.record({
  bom: FastCheck.boolean(),
  eol: FastCheck.constantFrom("\n", "\r\n"),
  rows: FastCheck.array(FastCheck.record({ note: value, blankBefore: FastCheck.boolean() }), { minLength: 1, maxLength: 15 })
})

const options: Rows.Options = { format: "csv", defaults: {} }

describe("import rows", () => {
  it.effect.prop("CSV rows keep their start line and their values (quotes, commas, newlines, BOM, CRLF, empty lines)", [layout], ([csv]) =>
    Effect.gen(function*() {
      let text = (csv.bom ? "\uFEFF" : "") + "email,note" + csv.eol
      let line = 2
      const expected: Array<{ line: number; email: string; note: string }> = []
      const empties: Array<number> = []
      csv.rows.forEach((row, i) => {
        if (row.blankBefore) {
          text += csv.eol
          empties.push(line)
          line++
        }
        const email = `person${i}@example.com`
        text += `${email},${quote(row.note)}${csv.eol}`
        expected.push({ line, email, note: row.note })
        line += row.note.split("\n").length
      })
      const file = NodePath.join(scratch(), "rows.csv")
      NodeFs.writeFileSync(file, text)
      const rows = Chunk.toReadonlyArray(yield* Stream.runCollect(Rows.rows(file, options)))
      const params = rows.flatMap((row) => row._tag === "Params" ? [{ line: row.line, email: row.emailAddress, note: row.params.publicMetadata?.note }] : [])
      assert.deepStrictEqual(params, expected)
      assert.deepStrictEqual(rows.flatMap((row) => row._tag === "Empty" ? [row.line] : []), empties)
      assert.deepStrictEqual(rows.filter((row) => row._tag === "Invalid"), [])
    }), { fastCheck: { numRuns: 40 } })

  it.effect("an unclosed quote is reported with its line; the rows before it are kept", () =>
    Effect.gen(function*() {
      const file = NodePath.join(scratch(), "broken.csv")
      NodeFs.writeFileSync(file, "email,note\na@example.com,ok\nb@example.com,\"never closed\nc@example.com,x\n")
      const rows = Chunk.toReadonlyArray(yield* Stream.runCollect(Rows.rows(file, options)))
      assert.deepStrictEqual(rows.map((row) => [row._tag, row.line]), [["Params", 2], ["Invalid", 3]])
      const invalid = rows[1]
      assert.include(invalid?._tag === "Invalid" ? invalid.reason : "", "not readable as CSV")
    }))

  it.effect("--metadata-columns picks the columns; an unknown one is a clear error", () =>
    Effect.gen(function*() {
      const file = NodePath.join(scratch(), "cols.csv")
      NodeFs.writeFileSync(file, "Email_Address,team,secret,expires_in_days\na@example.com,x,y,7\n")
      const rows = Chunk.toReadonlyArray(yield* Stream.runCollect(Rows.rows(file, { ...options, metadataColumns: ["team"] })))
      const row = rows[0]
      assert.deepStrictEqual(row?._tag === "Params" ? row.params : undefined, {
        emailAddress: "a@example.com",
        publicMetadata: { team: "x" },
        expiresInDays: 7
      })
      const error = yield* Effect.flip(Stream.runCollect(Rows.rows(file, { ...options, metadataColumns: ["nope"] })))
      assert.include(error.message, "--metadata-columns: no column \"nope\"")
    }))
})

describe("--quotas", () => {
  it("defaults to Clerk's limits and reads any part", () => {
    assert.deepStrictEqual(Quotas.parse(""), Either.right(Quotas.clerk))
    assert.deepStrictEqual(
      Quotas.parse("create=10, window=30m"),
      Either.right({ create: 10, bulk: 25, window: Duration.millis(30 * 60_000) })
    )
    for (const bad of ["create=-1", "bulk=x", "window=soon", "speed=3", "create", "create=0,bulk=0"]) {
      assert.isTrue(Either.isLeft(Quotas.parse(bad)), bad)
    }
  })

  it.prop("the estimate: the first window's worth at once, then one window per window's worth", [
    FastCheck.integer({ min: 0, max: 100_000 }),
    FastCheck.integer({ min: 0, max: 200 }),
    FastCheck.integer({ min: 1, max: 50 })
  ], ([count, create, bulk]) => {
    const quotas = { create, bulk, window: Duration.hours(1) }
    const hours = Duration.toMillis(Quotas.duration(count, quotas)) / 3_600_000
    const perWindow = create + 10 * bulk
    assert.strictEqual(hours, Math.max(0, Math.ceil(count / perWindow) - 1))
    assert.isAtMost(count, (hours + 1) * perWindow)
  })
})
