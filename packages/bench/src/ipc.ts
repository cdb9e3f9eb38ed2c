/**
 * The protocol between `main` and its measuring children: a child reads its settings from
 * `argv[2]` (JSON), sends one `{ ok, value | error }` message and exits.
 */
import { firstMessage, forkChild } from "./children.js"

/** What a child answers. */
export type Answer<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: string }

const isAnswer = <A>(u: unknown): u is Answer<A> => typeof u === "object" && u !== null && "ok" in u

/** Runs the bundled child `name` with `settings`, waits at most `timeoutMs` for its answer. */
export const runChild = async <A>(
  name: string,
  settings: unknown,
  timeoutMs: number,
  nodeFlags: ReadonlyArray<string> = []
): Promise<A> => {
  const child = forkChild(name, [JSON.stringify(settings)], nodeFlags)
  try {
    const answer = await firstMessage(child, timeoutMs, isAnswer<A>)
    if (!answer.ok) throw new Error(`${name}: ${answer.error}`)
    return answer.value
  } finally {
    if (child.connected) child.disconnect()
    child.kill()
  }
}

/** The settings a child was started with. */
export const settings = <A>(): A => JSON.parse(process.argv[2] ?? "{}")

/** Runs `main` in a child and sends its result (or its failure) to the parent, then exits. */
export const serve = <A>(main: () => Promise<A>): void => {
  const timer = setTimeout(() => {
    process.send?.({ ok: false, error: "timed out inside the child" })
    process.exit(2)
  }, 10 * 60_000)
  main().then(
    (value) => process.send?.({ ok: true, value }, () => process.exit(0)),
    (error: unknown) =>
      process.send?.({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }, () => process.exit(1))
  ).finally(() => clearTimeout(timer))
}
