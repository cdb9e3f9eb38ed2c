/**
 * The import's figures, in process over the emulator with Clerk's quotas enforced on the TestClock:
 * simulated hours pass in moments, so throughput is counted in invitations per simulated hour.
 */
import { ClerkEmulator } from "@effect-clerk/emulator"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { csv, journalOf, runImport, scratch, stack, storedCounts } from "./importUtils.js"

describe("import figures", () => {
  it.effect("10,000 rows at Clerk's quotas: >= 95% of 350 an hour, one invitation each, every row journaled, progress per 10% and per quota wait", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const dir = scratch()
      const file = NodePath.join(dir, "people.csv")
      NodeFs.writeFileSync(file, csv(10_000))
      const out = yield* runImport([file, "--runs-dir", NodePath.join(dir, "runs")], { step: "10 minutes", maxSteps: 1_000 })
      assert.strictEqual(out.code, 0, out.stderr)
      assert.deepStrictEqual(yield* storedCounts(emulator), { distinct: 10_000, doubled: 0 })
      const created = (yield* emulator.invitations).map((i) => i.created_at)
      const hours = (Math.max(...created) - Math.min(...created)) / 3_600_000
      // the last burst still needs its hour: count it in the denominator
      const perHour = 10_000 / (hours + 1)
      console.log(`import of 10,000 rows: ${hours.toFixed(2)} simulated hours, ${perHour.toFixed(1)}/hour (${((perHour / 350) * 100).toFixed(1)}% of 350)`)
      assert.isAtLeast(perHour, 0.95 * 350)
      const posts = (yield* emulator.requests).filter((r) => r.method === "POST")
      assert.strictEqual(posts.filter((r) => r.status === 429).length, 0, "no call spent on a 429")
      const journal = journalOf(NodePath.join(dir, "runs"))
      assert.strictEqual(journal.length, 10_000)
      assert.strictEqual(new Set(journal.map((e) => e.line)).size, 10_000)
      const progress = out.stderr.split("\n").filter((l) => l.startsWith("Progress:"))
      for (const tenth of [10, 50, 100]) assert.isTrue(progress.some((l) => l.startsWith(`Progress: ${tenth}%`)), `a line at ${tenth}%`)
      assert.isTrue(progress.some((l) => l.includes("waiting for Clerk's quota until")))
      assert.isBelow(progress.length, 100, "not a line per row")
    }).pipe(Effect.provide(stack({ requestLogSize: Infinity }))), 300_000)
})
