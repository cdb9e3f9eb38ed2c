/**
 * One cold start, in a fresh `node`: imports a bundled app, then runs its create, list and revoke
 * against the fixed server. Prints `{ importMs, firstCallsMs }` as JSON.
 * `node coldstart.mjs <bundle> <apiUrl> <secretKey>`
 */
import { pathToFileURL } from "node:url"

const [bundle, apiUrl, secretKey] = process.argv.slice(2)
if (bundle === undefined || apiUrl === undefined || secretKey === undefined) throw new Error("usage: coldstart <bundle> <apiUrl> <secretKey>")
const t0 = performance.now()
const app: unknown = await import(pathToFileURL(bundle).href)
const t1 = performance.now()
const main: unknown = typeof app === "object" && app !== null && "main" in app ? app.main : undefined
if (typeof main !== "function") throw new Error(`${bundle} exports no main`)
await main(apiUrl, secretKey)
const t2 = performance.now()
console.log(JSON.stringify({ importMs: t1 - t0, firstCallsMs: t2 - t1 }))
