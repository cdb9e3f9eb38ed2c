/**
 * The import's progress on stderr: the bar on a terminal, the lines elsewhere.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as NodeStream from "node:stream"
import * as Progress from "../src/internal/import/progress.js"

const at = new Date(2026, 0, 1, 13, 5).getTime()
const state = (done: number, waiting = false): Progress.State => ({
  done,
  total: 100,
  invited: done - 1,
  ratePerHour: 350,
  waitingUntil: waiting ? Option.some(at) : Option.none(),
  eta: "about 1 h"
})

describe("import progress", () => {
  it.effect("on a terminal: a bar with done/total, invited, rate, ETA and the quota wait", () =>
    Effect.gen(function*() {
      const written: Array<string> = []
      const terminal = Object.assign(new NodeStream.PassThrough(), {
        isTTY: true,
        columns: 200,
        cursorTo: () => true,
        moveCursor: () => true,
        clearLine: () => true,
        clearScreenDown: () => true
      })
      terminal.on("data", (chunk) => void written.push(String(chunk)))
      const bar = Progress.bar(terminal)
      yield* bar.update(state(50, true))
      yield* bar.end
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      const text = written.join("")
      for (const part of ["50/100 rows", "49 invited", "350/h", "ETA about 1 h", "waiting for Clerk's quota until 13:05"]) {
        assert.include(text, part)
      }
    }))

  it.effect("elsewhere: one line per 10% and one per quota wait", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const base = yield* Effect.console
      const display = Progress.lines()
      yield* Effect.forEach(
        [1, 2, 9, 10, 11, 15, 15, 15, 20, 55, 100],
        (done) => display.update(state(done, done === 15)),
        { discard: true }
      ).pipe(Effect.withConsole({ ...base, error: (...parts) => Effect.sync(() => void lines.push(parts.join(" "))) }))
      const text = lines.join("\n").split("\n")
      assert.deepStrictEqual(text.filter((l) => l.includes("%")).map((l) => /(\d+)%/.exec(l)?.[1]), ["0", "10", "20", "50", "100"])
      assert.strictEqual(text.filter((l) => l.includes("waiting for Clerk's quota until 13:05")).length, 1)
    }))
})
