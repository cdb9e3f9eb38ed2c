/**
 * Child processes: the fixed server, and the measuring workers. Every child is forked with the
 * `tsx` loader, talks over IPC and is killed when its parent stops.
 */
import { fork, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"

/** The path of a module beside this one. */
export const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

/** Forks `file` (a module of this package) with the tsx loader and extra Node flags. */
export const forkModule = (file: string, args: ReadonlyArray<string> = [], nodeFlags: ReadonlyArray<string> = []): ChildProcess =>
  fork(here(file), [...args], { execArgv: ["--import", "tsx", ...nodeFlags], stdio: ["ignore", "inherit", "inherit", "ipc"] })

/** The first message of `child`, or a failure if it exits first or `timeoutMs` passes. */
export const firstMessage = <A>(child: ChildProcess, timeoutMs: number): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`child gave no answer within ${timeoutMs} ms`))
    }, timeoutMs)
    child.once("message", (message) => {
      clearTimeout(timer)
      resolve(message as A)
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

/** Starts the fixed-response server in its own process. */
export const startFixedServer = async (): Promise<FixedServer> => {
  const child = forkModule("./server.ts")
  const { port } = await firstMessage<{ port: number }>(child, 30_000)
  const stop = () => {
    if (child.connected) child.disconnect()
    child.kill()
  }
  process.once("exit", stop)
  return { url: `http://127.0.0.1:${port}`, stop }
}
