/**
 * The protocol between `main` and its measuring children: a child reads its settings from
 * `argv[2]` (JSON), sends one `{ ok, value | error }` message and exits.
 */
import { firstMessage, forkModule } from "./children.js"

/** What a child answers. */
export type Answer<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: string }

/** Runs `file` as a child with `settings`, waits at most `timeoutMs` for its answer. */
export const runChild = async <A>(
  file: string,
  settings: unknown,
  timeoutMs: number,
  nodeFlags: ReadonlyArray<string> = []
): Promise<A> => {
  const child = forkModule(file, [JSON.stringify(settings)], nodeFlags)
  try {
    const answer = await firstMessage<Answer<A>>(child, timeoutMs)
    if (!answer.ok) throw new Error(`${file}: ${answer.error}`)
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
