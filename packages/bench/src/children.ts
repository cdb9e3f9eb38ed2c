/**
 * Child processes: the fixed server and the measuring workers. `main` bundles them with esbuild
 * into `build/run/*.mjs` first (`build.ts`), so every measurement runs on plain Node, as an
 * application would, without a TypeScript loader in the way. Every child talks over IPC and
 * stops with its parent.
 */
import { type ChildProcess, fork } from "node:child_process"
import { fileURLToPath } from "node:url"

/** Where the bundled children live: beside this module once bundled, else `build/run/`. */
export const runDir = (): string =>
  fileURLToPath(import.meta.url.includes("/build/run/") ? new URL("./", import.meta.url) : new URL("../build/run/", import.meta.url))

/** Whether the module at `url` is the process entry point. */
export const isMain = (url: string): boolean => process.argv[1] === fileURLToPath(url)

/** Forks the bundled child `name` (`build/run/<name>.mjs`) with extra Node flags. */
export const forkChild = (name: string, args: ReadonlyArray<string> = [], nodeFlags: ReadonlyArray<string> = []): ChildProcess =>
  fork(`${runDir()}${name}.mjs`, [...args], { execArgv: [...nodeFlags], stdio: ["ignore", "inherit", "inherit", "ipc"] })

/** The first message of `child`, or a failure if it exits first or `timeoutMs` passes. */
export const firstMessage = <A>(child: ChildProcess, timeoutMs: number, is: (u: unknown) => u is A): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`child gave no answer within ${timeoutMs} ms`))
    }, timeoutMs)
    child.once("message", (message) => {
      clearTimeout(timer)
      if (is(message)) resolve(message)
      else reject(new Error(`unexpected message from child: ${JSON.stringify(message)}`))
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`child exited with code ${code} before answering`))
    })
  })

/** A running fixed-response server. */
export interface FixedServer {
  readonly url: string
  readonly stop: () => void
}

const isPort = (u: unknown): u is { readonly port: number } =>
  typeof u === "object" && u !== null && "port" in u && typeof u.port === "number"

/** Starts the fixed-response server in its own process; `total` > 0 serves a virtual set for streams. */
export const startFixedServer = async (total = 0): Promise<FixedServer> => {
  const child = forkChild("server", [String(total)])
  const { port } = await firstMessage(child, 30_000, isPort)
  const stop = () => {
    if (child.connected) child.disconnect()
    child.kill()
  }
  process.once("exit", stop)
  return { url: `http://127.0.0.1:${port}`, stop }
}
