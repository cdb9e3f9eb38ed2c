/**
 * The Invitations service a command needs, built from the global options over whichever
 * `HttpClient` the caller provides: fetch in the bin, the in-process emulator in tests.
 */
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { Exit } from "./exit.js"
import { usage } from "./exit.js"
import { Globals } from "./globals.js"

/** What a missing or empty secret key prints (exit 2). */
export const missingKey = "set CLERK_SECRET_KEY or pass --secret-key (Clerk Dashboard → API keys)"

const isUrl = (text: string) => {
  try {
    const url = new URL(text)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

/**
 * `Invitations.layer` over `ClerkClient.layer` with the resolved key and URL. Fails with exit 2
 * when no key is set (or it is empty), or when the API URL is not an http(s) URL; nothing is sent.
 */
export const layer: Layer.Layer<Invitations.Invitations, Exit, Globals | HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.gen(function*() {
    const globals = yield* Globals
    const secretKey = Option.filter(globals.secretKey, (key) => Redacted.value(key).trim().length > 0)
    if (Option.isNone(secretKey)) return yield* Effect.fail(usage(missingKey))
    const apiUrl = Option.getOrUndefined(globals.apiUrl)?.replace(/\/+$/, "").replace(/\/v1$/, "")
    if (apiUrl !== undefined && !isUrl(apiUrl)) {
      return yield* Effect.fail(usage(`--api-url/CLERK_API_URL must be an http(s) URL like https://api.clerk.com, not ${JSON.stringify(apiUrl)}`))
    }
    return Invitations.layer.pipe(Layer.provide(ClerkClient.layer({ secretKey: secretKey.value, apiUrl })))
  })
)
