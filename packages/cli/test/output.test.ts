/** CSV as printed by --csv: RFC 4180 quoting, read back by csv-parse to the same fields. */
import { assert, describe, it } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import { FastCheck as fc } from "effect"
import { csvField, csvLine } from "../src/internal/output.js"

describe("csv", () => {
  it("quotes only what needs quoting", () => {
    assert.strictEqual(csvField("plain"), "plain")
    assert.strictEqual(csvField("a,b"), "\"a,b\"")
    assert.strictEqual(csvField("say \"hi\""), "\"say \"\"hi\"\"\"")
    assert.strictEqual(csvField("two\nlines"), "\"two\nlines\"")
    assert.strictEqual(csvField(" padded"), "\" padded\"")
    assert.strictEqual(csvLine([""]), "\"\"")
  })

  it.prop("a record reads back as written", [fc.array(fc.string({ unit: "binary" }), { minLength: 1, maxLength: 8 })], ([fields]) => {
    const records: Array<Array<string>> = parse(`${csvLine(fields)}\n`, { relax_column_count: true, bom: false })
    assert.deepStrictEqual(records, [fields])
    return true
  })
})
