/** The README's code is the code we run: its app block is `examples/app.ts`, word for word. */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8")

/** The first ```ts block after `heading`. */
const blockAfter = (markdown: string, heading: string) => {
  const section = markdown.split(`\n${heading}\n`)[1]
  const block = section === undefined ? null : /```ts\n([\s\S]*?)```/.exec(section)
  if (block?.[1] === undefined) throw new Error(`README: no ts block under "${heading}"`)
  return block[1]
}

describe("README", () => {
  it("shows examples/app.ts under \"Use it in an Effect app\", without its header comment", () => {
    const app = read("../../../examples/app.ts")
    const body = app.slice(app.indexOf(" */\n") + " */\n".length)
    assert.strictEqual(blockAfter(read("../../../README.md"), "## Use it in an Effect app"), body)
  })
})
